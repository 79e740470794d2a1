package sibyl.node.cli;

import java.net.BindException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import sibyl.config.SettingsException;
import sibyl.icp.policy.plugins.PluginException;
import sibyl.node.SibylNode;
import sibyl.node.admin.NodeControl;

/** {@code sibyl node}: runs a node until SIGTERM or SIGINT. */
@Command(name = "node",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {"Start a node and run it until SIGTERM or SIGINT (which drain it). SIGHUP reloads the configuration;"
                + " SIGUSR1 reopens the access log.",
            "Settings come from the built-in defaults (reference.conf), then --config FILE, then SIBYL_* environment variables."})
final class NodeCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(NodeCommand.class);

    @Spec
    CommandSpec spec;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "HOCON settings file.")
    Path config;

    @Override
    public Integer call() throws InterruptedException {
        SibylNode node;
        try {
            node = SibylNode.start(config, System.getenv());
        } catch (SettingsException | PluginException e) {
            spec.commandLine().getErr().println("sibyl: " + e.getMessage());
            return SibylCommand.EXIT_USAGE;
        } catch (BindException e) {
            spec.commandLine().getErr().println("sibyl: " + e.getMessage());
            return 1;
        }
        on("USR1", "reopening the access log", node, node::reopenLogs);
        on("HUP", "reloading the configuration", node, () -> {
            NodeControl.ReloadOutcome outcome = node.reload();
            if (outcome.applied()) {
                log.info("node {}: SIGHUP: reloaded; changed {}", node.name(), outcome.changed());
            } // a refusal is logged, with its reasons, by the reload
        });
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("node {}: stopping", node.name());
            node.close();
            stopped.countDown();
        }, "sibyl-shutdown"));
        log.info("node {}: serving HTTP on {}, answering ICP on {}, admin on {}", node.name(), node.httpAddresses(),
                node.icpAddresses(), node.adminAddresses());
        stopped.await();
        return 0;
    }

    /**
     * Runs {@code action} on {@code signal}: SIGUSR1 reopens the access log, for logrotate
     * without copytruncate (Squid's {@code -k rotate}); SIGHUP reloads the configuration
     * ({@code nginx -s reload}, systemd's ExecReload). A process-wide handler, set by the
     * command that owns the process. Through {@code sun.misc.Signal}, the JDK's only way to
     * handle a signal, reached by reflection (as Kafka does): named in source it is a warning in
     * every build, and a JDK without it must still run the node. The handler runs on a thread of
     * the JVM's own, never an event loop's.
     */
    private static void on(String signal, String what, SibylNode node, Runnable action) {
        try {
            Class<?> signalClass = Class.forName("sun.misc.Signal");
            Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            Object handler = java.lang.reflect.Proxy.newProxyInstance(handlerClass.getClassLoader(),
                    new Class<?>[] {handlerClass}, (proxy, method, arguments) -> switch (method.getName()) {
                        case "handle" -> {
                            log.info("node {}: SIG{}: {}", node.name(), signal, what);
                            try {
                                action.run();
                            } catch (RuntimeException e) {
                                log.error("node {}: SIG{}: {} failed", node.name(), signal, what, e);
                            }
                            yield null;
                        }
                        case "hashCode" -> System.identityHashCode(proxy);
                        case "equals" -> proxy == arguments[0];
                        default -> "SIG" + signal + ": " + what;
                    });
            signalClass.getMethod("handle", signalClass, handlerClass)
                    .invoke(null, signalClass.getConstructor(String.class).newInstance(signal), handler);
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.warn("node {}: SIG{} cannot be handled here ({}); no {} on it", node.name(), signal, e.toString(), what);
        }
    }
}
