package sibyl.node.cli;

import picocli.CommandLine;

/** The {@code sibyl} command line's entry point. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(SibylCommand.commandLine().execute(args));
    }
}
