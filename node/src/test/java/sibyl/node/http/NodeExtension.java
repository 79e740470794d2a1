package sibyl.node.http;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import sibyl.node.SibylNode;

/**
 * A real node per test class, with the {@link ScriptedOrigin} it fetches from and a directory of
 * its own, as Armeria's {@code ServerExtension} starts a server: registered on a static field with
 * {@code @RegisterExtension}, started before the class's first test and closed after its last.
 */
final class NodeExtension implements BeforeAllCallback, AfterAllCallback {

    /** Prepares what the node needs (files in its directory, other origins) and returns its settings. */
    @FunctionalInterface
    interface Setup {
        String settings(ScriptedOrigin origin, Path directory) throws Exception;
    }

    private final Setup setup;
    private Path directory;
    private ScriptedOrigin origin;
    private TestNode node;

    NodeExtension(Setup setup) {
        this.setup = setup;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        directory = Files.createTempDirectory("sibyl-" + context.getRequiredTestClass().getSimpleName());
        origin = new ScriptedOrigin();
        node = TestNode.start(directory, setup.settings(origin, directory));
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        try {
            if (node != null) {
                node.close();
            }
        } finally {
            origin.close();
            try (Stream<Path> files = Files.walk(directory)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    /** The origin the node's requests go to unless a test says otherwise. */
    ScriptedOrigin origin() {
        return origin;
    }

    /** The class's own directory: the node's settings and logs, and other nodes' if a test starts them. */
    Path directory() {
        return directory;
    }

    /** The node itself, for what only its internals show (the index, the counters). */
    SibylNode sibyl() {
        return node.node;
    }

    InetSocketAddress http() {
        return node.http();
    }

    HttpConnection connect() throws IOException {
        return node.connect();
    }

    /** One request on its own connection. */
    HttpConnection.Response send(String request) throws IOException {
        return node.send(request);
    }

    /** GET of an absolute URL through the node, as Squid sends it to a parent. */
    HttpConnection.Response get(String url, String... headerLines) throws IOException {
        return node.get(url, headerLines);
    }
}
