package sibyl.node.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One request to a running node, its answer printed: what {@code sibyl cache} (the admin
 * listener) and {@code sibyl cluster status} (the cache manager's page) share.
 *
 * @param listener the setting {@code node} is the address of, for the message when nothing answers
 */
record NodeRequest(InetSocketAddress node, String listener, String method, String path, Duration timeout) {

    /** {@code value} as a query parameter's value. */
    static String encoded(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /**
     * Sends the request and prints the body of a 200 to {@code out}, or why not to {@code err}.
     *
     * @return 0 for a 200, 1 otherwise
     */
    int run(PrintWriter out, PrintWriter err) throws InterruptedException {
        URI uri = URI.create("http://" + host() + ":" + node.getPort() + path);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout).build();
        try {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri).timeout(timeout)
                    .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                err.println("sibyl: " + method + " " + uri + ": " + response.statusCode() + " " + firstLine(response.body()));
                return 1;
            }
            out.print(response.body());
            out.flush();
            return 0;
        } catch (ConnectException e) {
            err.println("sibyl: nothing answers at " + host() + ":" + node.getPort()
                    + " (is the node running, with this " + listener + " address?)");
        } catch (HttpTimeoutException e) {
            err.println("sibyl: " + uri + " did not answer within " + timeout.toMillis() + " ms");
        } catch (IOException e) {
            err.println("sibyl: " + uri + ": " + e);
        }
        return 1;
    }

    /** The node's error pages say what went wrong in their first line of text. */
    private static String firstLine(String body) {
        String text = body.replaceAll("<[^>]*>", " ").strip();
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline).strip();
    }

    private String host() {
        String host = node.getHostString();
        return host.contains(":") ? "[" + host + "]" : host;
    }
}
