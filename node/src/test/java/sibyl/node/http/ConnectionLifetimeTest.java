package sibyl.node.http;

import static org.awaitility.Awaitility.await;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import sibyl.node.LiveObjects;

/** What a client connection leaves behind once it is closed, on the default timeouts: nothing. */
class ConnectionLifetimeTest {
    @RegisterExtension
    static final NodeExtension node = new NodeExtension((origin, directory) -> "");

    /**
     * A head begun arms the header timeout (30 s by default). Its timer used to stay queued on the
     * event loop after the client hung up, holding the connection's whole pipeline until it fired:
     * 20,000 such connections held 20,000 pipelines and 61 MiB of heap for 30 s.
     */
    @Test
    void aConnectionClosedHalfwayThroughItsHeadLeavesNoPipelineBehind() throws Exception {
        long before = LiveObjects.count("sibyl.node.http.RequestDecoder");
        for (int i = 0; i < 500; i++) {
            try (Socket socket = new Socket(node.http().getAddress(), node.http().getPort())) {
                OutputStream out = socket.getOutputStream();
                out.write("GET http://127.0.0.1:9/ HTTP/1.1\r\nHo".getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            }
        }

        // Well within the 30 s header timeout: the pipelines go as soon as the loops see the closes.
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(500))
                .until(() -> LiveObjects.count("sibyl.node.http.RequestDecoder") <= before + 2);
    }
}
