package sibyl.node.cli;

import picocli.CommandLine.Command;

/** {@code sibyl icp}: talk ICP to a node, or to any ICP server. */
@Command(name = "icp",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Query an ICP server and measure it.",
        subcommands = {IcpQueryCommand.class, IcpBenchCommand.class})
final class IcpCommand {}
