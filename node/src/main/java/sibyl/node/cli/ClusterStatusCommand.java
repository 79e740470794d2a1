package sibyl.node.cli;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code sibyl cluster status}: a node's view of its cluster, from its cache manager page
 * ({@code /squid-internal-mgr/cluster}, or {@code cluster.json}).
 */
@Command(name = "status",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {"Print a node's view of its cluster: the members it sees, oldest first",
            "(* marks the node), their addresses and the URLs each has claimed.",
            "Exit status: 0 when the node answered, 1 when it could not be asked or",
            "is in no cluster."})
final class ClusterStatusCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:3128",
            description = "The node's HTTP address (default ${DEFAULT-VALUE}); its http.purge-allow must admit this host.")
    InetSocketAddress node;

    @Option(names = "--json", description = "Print the node's JSON instead of the table.")
    boolean json;

    @Option(names = "--timeout", paramLabel = "MS", defaultValue = "5000",
            description = "How long to wait for the node, in milliseconds (default ${DEFAULT-VALUE}).")
    long timeoutMillis;

    @Override
    public Integer call() throws InterruptedException {
        return new NodeRequest(node, "http.listen", "GET", "/squid-internal-mgr/cluster" + (json ? ".json" : ""),
                Duration.ofMillis(timeoutMillis)).run(spec.commandLine().getOut(), spec.commandLine().getErr());
    }
}
