package sibyl.node.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sibyl.icp.client.IcpClient;
import sibyl.icp.wire.IcpOpcode;

/** {@code sibyl node} as its own process: it starts, answers, and stops cleanly on SIGTERM. */
class NodeProcessTest {
    private static final Pattern ANSWERING = Pattern.compile("answering ICP on \\[/127\\.0\\.0\\.1:(\\d+)]");
    private static final Pattern SERVING = Pattern.compile("serving HTTP on \\[/127\\.0\\.0\\.1:(\\d+)]");

    @TempDir
    Path directory;

    @Test
    void theNodeAnswersAndStopsCleanlyOnSigterm() throws Exception {
        Path config = directory.resolve("sibyl.conf");
        Files.writeString(config, "node.name = proc-test\nicp.listen = [\"127.0.0.1:0\"]\nhttp.listen = [\"127.0.0.1:0\"]\nadmin.listen = [\"127.0.0.1:0\"]\n");
        Path log = directory.resolve("node.log");
        Process node = start(log, "node", "--config", config.toString());
        try {
            int port = await("the node's ICP port in its log").atMost(Duration.ofSeconds(30))
                    .until(() -> portIn(log, node), p -> p > 0);
            InetSocketAddress server = new InetSocketAddress("127.0.0.1", port);
            try (IcpClient client = IcpClient.openFor(server)) {
                assertEquals(IcpOpcode.MISS,
                        client.query(server, "http://example.com/", Duration.ofSeconds(5)).join().message().opcode());
            }

            node.destroy(); // SIGTERM

            assertTrue(node.waitFor(30, TimeUnit.SECONDS), "the node stops within 30 s");
            assertEquals(143, node.exitValue(), "exit status of a process ended by SIGTERM");
            String text = Files.readString(log);
            assertTrue(text.contains("node proc-test: stopping"), text);
            assertTrue(text.contains("node proc-test stopped"), text);
        } finally {
            node.destroyForcibly();
        }
    }

    @Test
    void sigusr1ReopensTheAccessLogAfterLogrotateMovedIt() throws Exception {
        Path accessLog = directory.resolve("access.log");
        Path rotated = directory.resolve("access.log.1");
        Path config = directory.resolve("rotate.conf");
        Files.writeString(config, "node.name = rotate-test\nicp.listen = [\"127.0.0.1:0\"]\nhttp.listen = [\"127.0.0.1:0\"]\nadmin.listen = [\"127.0.0.1:0\"]\n"
                + "http.access-log = \"" + accessLog + "\"\n");
        Path log = directory.resolve("rotate.log");
        Process node = start(log, "node", "--config", config.toString());
        try {
            int port = await("the node's HTTP port in its log").atMost(Duration.ofSeconds(30))
                    .until(() -> httpPortIn(log, node), p -> p > 0);
            counters(port);
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(accessLog) && Files.size(accessLog) > 0);
            Files.move(accessLog, rotated);

            new ProcessBuilder("kill", "-USR1", Long.toString(node.pid())).inheritIO().start().waitFor();
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.readString(log).contains("reopening the access log"));
            counters(port);

            await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(accessLog) && Files.size(accessLog) > 0);
            assertEquals(1, Files.readAllLines(rotated).size(), "the line before the signal stays in the moved file");
            assertEquals(1, Files.readAllLines(accessLog).size(), "the line after it is in a new file at the path");
            assertTrue(node.isAlive(), "SIGUSR1 does not stop the node");
        } finally {
            node.destroy();
            node.waitFor(30, TimeUnit.SECONDS);
            node.destroyForcibly();
        }
    }

    /** One request to the node's counters page, which the access log records. */
    private static void counters(int port) throws IOException {
        java.net.HttpURLConnection connection = (java.net.HttpURLConnection) java.net.URI
                .create("http://127.0.0.1:" + port + "/squid-internal-mgr/counters").toURL().openConnection();
        try {
            connection.getInputStream().readAllBytes();
        } finally {
            connection.disconnect();
        }
    }

    private static int httpPortIn(Path log, Process node) throws IOException {
        if (!node.isAlive()) {
            throw new IllegalStateException("the node exited: " + Files.readString(log));
        }
        Matcher matcher = SERVING.matcher(Files.readString(log));
        return matcher.find() ? Integer.parseInt(matcher.group(1)) : 0;
    }

    @Test
    void theNodesOwnLogIsJsonLinesWithTheExampleLogbackFile() throws Exception {
        Path json = Path.of("..", "examples", "logging", "logback-json.xml").toAbsolutePath().normalize();
        Path config = directory.resolve("json.conf");
        Files.writeString(config, "node.name = json-test\nicp.listen = [\"127.0.0.1:0\"]\nhttp.listen = [\"127.0.0.1:0\"]\nadmin.listen = [\"127.0.0.1:0\"]\n");
        Path log = directory.resolve("json.log");
        Process node = start(log, List.of("-Dlogback.configurationFile=" + json), "node", "--config", config.toString());
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(log).contains("answering ICP on"));
            List<String> lines = Files.readAllLines(log).stream().filter(line -> !line.isBlank()).toList();
            for (String line : lines) {
                assertTrue(line.startsWith("{\"timestamp\":") && line.endsWith("}") && line.contains("\"level\":\""),
                        "a JSON object per line: " + line);
            }
            assertTrue(lines.stream().anyMatch(line -> line.contains("\"formattedMessage\":\"node json-test: serving HTTP on")),
                    String.join("\n", lines));
        } finally {
            node.destroy();
            node.waitFor(30, TimeUnit.SECONDS);
            node.destroyForcibly();
        }
    }

    @Test
    void badSettingsExitTwoNamingKeyAndFile() throws Exception {
        Path config = directory.resolve("bad.conf");
        Files.writeString(config, "icp.threads = -1\n");
        Path log = directory.resolve("bad.log");
        Process node = start(log, "node", "--config", config.toString());
        try {
            assertTrue(node.waitFor(30, TimeUnit.SECONDS));
            assertEquals(2, node.exitValue());
            assertTrue(Files.readString(log).contains("sibyl: icp.threads = -1 (" + config + ": 1): must not be negative"),
                    Files.readString(log));
        } finally {
            node.destroyForcibly();
        }
    }

    @Test
    void aTakenPortExitsOneSayingSo() throws Exception {
        try (java.net.DatagramSocket taken = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            Path config = directory.resolve("taken.conf");
            Files.writeString(config, "icp.listen = [\"127.0.0.1:" + taken.getLocalPort() + "\"]\nhttp.listen = [\"127.0.0.1:0\"]\nadmin.listen = [\"127.0.0.1:0\"]\n");
            Path log = directory.resolve("taken.log");
            Process node = start(log, "node", "--config", config.toString());
            try {
                assertTrue(node.waitFor(30, TimeUnit.SECONDS));
                assertEquals(1, node.exitValue());
                assertTrue(Files.readString(log).contains("sibyl: icp.listen: 127.0.0.1:"
                        + taken.getLocalPort() + " is already in use"), Files.readString(log));
            } finally {
                node.destroyForcibly();
            }
        }
    }

    private static Process start(Path log, String... arguments) throws IOException {
        return start(log, List.of(), arguments);
    }

    private static Process start(Path log, List<String> jvmOptions, String... arguments) throws IOException {
        List<String> command = new java.util.ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(arguments));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static int portIn(Path log, Process node) throws IOException {
        if (!node.isAlive()) {
            throw new IllegalStateException("the node exited: " + Files.readString(log));
        }
        Matcher matcher = ANSWERING.matcher(Files.readString(log));
        return matcher.find() ? Integer.parseInt(matcher.group(1)) : 0;
    }
}
