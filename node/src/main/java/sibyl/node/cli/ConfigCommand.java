package sibyl.node.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import sibyl.config.SettingsException;
import sibyl.config.SettingsLoader;
import sibyl.node.SibylNode;

/** {@code sibyl config}: a configuration checked as a node would read it, or the settings in effect. */
@Command(name = "config",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Check a configuration file, or show the settings in effect.",
        subcommands = {ConfigCommand.Check.class, ConfigCommand.Show.class})
final class ConfigCommand {

    /** {@code sibyl config check FILE}, as {@code nginx -t} and {@code squid -k parse}. */
    @Command(name = "check",
            mixinStandardHelpOptions = true,
            versionProvider = VersionProvider.class,
            description = {"Read FILE (and the SIBYL_* environment) as a node would: every setting, each ICP policy"
                    + " and its plugin, the rule files. Prints every error with its key, file and line.",
                "Exit status 0 if a node would start with it, 1 if not. Addresses are not bound and the JVM's direct"
                    + " memory is not checked: only starting the node does that."})
    static final class Check implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "FILE", description = "HOCON settings file.")
        Path file;

        @Override
        public Integer call() {
            List<String> errors = new ArrayList<>();
            for (SettingsException e : SettingsLoader.check(file, System.getenv())) {
                errors.add(e.getMessage());
            }
            if (errors.isEmpty()) {
                errors.addAll(SibylNode.check(SettingsLoader.load(file, System.getenv())));
            }
            PrintWriter err = spec.commandLine().getErr();
            errors.forEach(error -> err.println("sibyl: " + error));
            if (!errors.isEmpty()) {
                err.println("sibyl: " + file + ": " + errors.size() + (errors.size() == 1 ? " error" : " errors"));
                return 1;
            }
            spec.commandLine().getOut().println(file + ": ok");
            return 0;
        }
    }

    /** {@code sibyl config show [FILE]}: each setting in effect and where it came from. */
    @Command(name = "show",
            mixinStandardHelpOptions = true,
            versionProvider = VersionProvider.class,
            description = "Print every setting in effect, as HOCON, each with where it came from: default, the file"
                    + " and line, or the environment variable.")
    static final class Show implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "FILE", arity = "0..1", description = "HOCON settings file (none: the defaults).")
        Path file;

        @Override
        public Integer call() {
            List<SettingsLoader.Effective> settings;
            try {
                settings = SettingsLoader.effective(file, System.getenv());
            } catch (SettingsException e) {
                spec.commandLine().getErr().println("sibyl: " + e.getMessage());
                return 1;
            }
            PrintWriter out = spec.commandLine().getOut();
            for (SettingsLoader.Effective setting : settings) {
                out.println(setting.key() + " = " + setting.value() + "  # " + setting.origin());
            }
            return 0;
        }
    }
}
