package sibyl.node.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** One {@code sibyl} command run in this JVM, as the command line runs it: its exit status and what it printed. */
record CommandRun(int status, String out, String err) {

    static CommandRun of(String... arguments) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = SibylCommand.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int status = commandLine.execute(arguments);
        return new CommandRun(status, out.toString(), err.toString());
    }
}
