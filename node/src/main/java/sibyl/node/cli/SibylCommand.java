package sibyl.node.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code sibyl}: the node and the tools around it. */
@Command(name = "sibyl",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "An ICP-aware cache peer cluster node.",
        subcommands = {NodeCommand.class, IcpCommand.class, ClusterCommand.class, ConfigCommand.class, CacheCommand.class,
            CommandLine.HelpCommand.class})
public final class SibylCommand {

    /** Exit status for bad usage or settings, as picocli uses for bad usage. */
    static final int EXIT_USAGE = 2;

    /** The command line with Sibyl's converters and error handling. */
    public static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new SibylCommand());
        commandLine.registerConverter(java.net.InetSocketAddress.class, sibyl.config.HostPort::parse);
        return commandLine;
    }
}
