package sibyl.node.cli;

import picocli.CommandLine.Command;

/** {@code sibyl cluster}: look at a node's cluster. */
@Command(name = "cluster",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Look at a node's cluster.",
        subcommands = {ClusterStatusCommand.class})
final class ClusterCommand {}
