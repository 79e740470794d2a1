package sibyl.node.cli;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sibyl cache list|purge}: what a running node holds, and removing it, through its admin listener. */
@Command(name = "cache",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "List or purge what a running node holds, through its admin listener (admin.listen;"
                + " its admin.allow must admit this host).",
        subcommands = {CacheCommand.List.class, CacheCommand.Purge.class})
final class CacheCommand {

    /** Where and how long: the options both subcommands take. */
    static final class Target {
        @Option(names = "--node", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:3131",
                description = "The node's admin address (default ${DEFAULT-VALUE}).")
        InetSocketAddress node;

        @Option(names = "--timeout", paramLabel = "MS", defaultValue = "30000",
                description = "How long to wait for the node, in milliseconds (default ${DEFAULT-VALUE}).")
        long timeoutMillis;

        Duration timeout() {
            return Duration.ofMillis(timeoutMillis);
        }
    }

    @Command(name = "list",
            mixinStandardHelpOptions = true,
            versionProvider = VersionProvider.class,
            description = {"List the URLs a node holds: size (headers and bodies of all its variants), store",
                "(direct or pipe), seconds it stays fresh, hits since stored, and the cluster member that",
                "answers for it.",
                "Exit status: 0 when the node answered, 1 when it could not be asked."})
    static final class List implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @picocli.CommandLine.Mixin
        Target target = new Target();

        @Option(names = "--match", paramLabel = "REGEX",
                description = "Only URLs this Java regular expression is found in (default: all).")
        String match;

        @Option(names = "--limit", paramLabel = "N", defaultValue = "1000",
                description = "List at most N URLs, 1 to 100000 (default ${DEFAULT-VALUE}); the count of all matches"
                        + " is printed last.")
        int limit;

        @Option(names = "--json", description = "Print the node's JSON instead of the table.")
        boolean json;

        @Override
        public Integer call() throws InterruptedException {
            String path = "/cache?limit=" + limit + (match == null ? "" : "&match=" + NodeRequest.encoded(match))
                    + (json ? "" : "&format=text");
            return new NodeRequest(target.node, "admin.listen", "GET", path, target.timeout())
                    .run(spec.commandLine().getOut(), spec.commandLine().getErr());
        }
    }

    @Command(name = "purge",
            mixinStandardHelpOptions = true,
            versionProvider = VersionProvider.class,
            description = {"Remove every URL a Java regular expression is found in from the node and, in a cluster,",
                "from every other member (as Varnish's ban). Prints how many the node removed and how many",
                "members were told. A member cut off from the cluster meanwhile is not told.",
                "Exit status: 0 when the node answered, 1 when it could not be asked."})
    static final class Purge implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @picocli.CommandLine.Mixin
        Target target = new Target();

        @Option(names = "--match", paramLabel = "REGEX", required = true,
                description = "The pattern, searched for in each URL: '^http://example\\.com/' for one site, '.' for all.")
        String match;

        @Override
        public Integer call() throws InterruptedException {
            return new NodeRequest(target.node, "admin.listen", "POST", "/cache/purge?match=" + NodeRequest.encoded(match),
                    target.timeout()).run(spec.commandLine().getOut(), spec.commandLine().getErr());
        }
    }
}
