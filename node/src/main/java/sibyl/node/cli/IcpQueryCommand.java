package sibyl.node.cli;

import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import sibyl.icp.client.IcpClient;
import sibyl.icp.client.IcpReply;
import sibyl.icp.client.MalformedReplyException;
import sibyl.icp.wire.IcpCodec;
import sibyl.icp.wire.IcpDatagramTable;
import sibyl.icp.wire.IcpMessage;

/** {@code sibyl icp query}: one query per URL, each reply printed as a table. */
@Command(name = "query",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {"Send an ICP query for each URL and print each reply as a table with its round-trip time.",
            "Exit status: 0 if every query was answered, 1 if any was not (timeout or malformed reply)."})
final class IcpQueryCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--timeout", paramLabel = "MS", defaultValue = "1000",
            description = "How long to wait for each reply, in milliseconds (default ${DEFAULT-VALUE}).")
    long timeoutMillis;

    @Option(names = "--icp-version", paramLabel = "2|3", defaultValue = "2",
            description = "ICP version of the queries (default ${DEFAULT-VALUE}).")
    int version;

    @Parameters(index = "0", paramLabel = "HOST:PORT", description = "The ICP server, e.g. 127.0.0.1:3130.")
    InetSocketAddress server;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "URL", description = "URLs to ask about.")
    List<String> urls;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (version != IcpCodec.VERSION_2 && version != IcpCodec.VERSION_3) {
            err.println("sibyl: --icp-version must be 2 or 3");
            return SibylCommand.EXIT_USAGE;
        }
        int unanswered = 0;
        try (IcpClient client = IcpClient.openFor(server)) {
            int requestNumber = (int) System.nanoTime();
            for (String url : urls) {
                IcpMessage query;
                try {
                    query = IcpMessage.query(version, requestNumber++, url);
                } catch (IllegalArgumentException e) {
                    err.println("sibyl: cannot send " + url + ": " + e.getMessage());
                    unanswered++;
                    continue;
                }
                out.println("query " + url + " -> " + server);
                out.println(IcpDatagramTable.format(IcpCodec.toBytes(query)));
                try {
                    IcpReply reply = client.send(server, query, Duration.ofMillis(timeoutMillis)).join();
                    out.println("reply " + reply.message().opcode().rfcName() + " from " + reply.from()
                            + String.format(" in %.3f ms", reply.roundTripNanos() / 1e6));
                    out.println(IcpDatagramTable.format(reply.datagram()));
                } catch (CompletionException e) {
                    unanswered++;
                    if (e.getCause() instanceof MalformedReplyException malformed) {
                        out.println("malformed reply from " + malformed.from() + ": " + malformed.rejection().description());
                        out.println(IcpDatagramTable.format(malformed.datagram()));
                    } else if (e.getCause() instanceof TimeoutException) {
                        out.println("no reply within " + timeoutMillis + " ms");
                    } else {
                        out.println("failed: " + e.getCause());
                    }
                }
                out.println();
            }
        }
        out.flush();
        return unanswered == 0 ? 0 : 1;
    }
}
