package sibyl.node.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
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
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        URI page = URI.create("http://" + node.getHostString() + ":" + node.getPort() + "/squid-internal-mgr/cluster"
                + (json ? ".json" : ""));
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofMillis(timeoutMillis)).build();
        try {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(page)
                    .timeout(Duration.ofMillis(timeoutMillis)).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                err.println("sibyl: " + page + ": " + response.statusCode() + " " + firstLine(response.body()));
                return 1;
            }
            out.print(response.body());
            out.flush();
            return 0;
        } catch (ConnectException e) {
            err.println("sibyl: nothing answers at " + node.getHostString() + ":" + node.getPort() + " (is the node running?)");
        } catch (HttpTimeoutException e) {
            err.println("sibyl: " + page + " did not answer within " + timeoutMillis + " ms");
        } catch (IOException e) {
            err.println("sibyl: " + page + ": " + e);
        }
        return 1;
    }

    /** The node's error pages say what went wrong in their first line of text. */
    private static String firstLine(String body) {
        String text = body.replaceAll("<[^>]*>", " ").strip();
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline).strip();
    }
}
