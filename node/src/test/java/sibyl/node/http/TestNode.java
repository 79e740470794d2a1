package sibyl.node.http;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import sibyl.config.SettingsLoader;
import sibyl.node.SibylNode;

/** A node on 127.0.0.1 with the given settings added to test defaults (random ports, a named node). */
final class TestNode implements AutoCloseable {
    static final String NAME = "sibyl-test";

    final SibylNode node;

    private TestNode(SibylNode node) {
        this.node = node;
    }

    static TestNode start(Path directory, String settings) throws Exception {
        Path file = Files.createTempFile(directory, "node", ".conf");
        Files.writeString(file, """
                node.name = %s
                icp.listen = ["127.0.0.1:0"]
                http.listen = ["127.0.0.1:0"]
                admin.listen = ["127.0.0.1:0"]
                http.threads = 2
                # A short warm-up: each test starts a node, and the tests need its paths, not the JIT's.
                warm-up { icp-queries = 200, http-requests = 40 }
                """.formatted(NAME) + settings);
        return new TestNode(SibylNode.start(file, Map.of()));
    }

    InetSocketAddress http() {
        return node.httpAddresses().get(0);
    }

    HttpConnection connect() throws IOException {
        return new HttpConnection(http());
    }

    /** One request on its own connection. */
    HttpConnection.Response send(String request) throws IOException {
        try (HttpConnection connection = connect()) {
            return connection.send(request);
        }
    }

    /** GET of an absolute URL through the node, as Squid sends it to a parent. */
    HttpConnection.Response get(String url, String... headerLines) throws IOException {
        return send("GET " + url + " HTTP/1.1\nHost: " + java.net.URI.create(url).getAuthority() + "\n"
                + String.join("\n", headerLines) + (headerLines.length > 0 ? "\n" : "") + "\n");
    }

    @Override
    public void close() {
        node.close();
    }
}
