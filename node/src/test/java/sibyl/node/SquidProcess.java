package sibyl.node;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Squid, started from Debian's {@code squid} binary with a configuration of the test's
 * making, in a directory of its own, and stopped by its pid.
 */
final class SquidProcess implements AutoCloseable {
    static final Path BINARY = Path.of("/usr/sbin/squid");

    private final Path directory;
    private final Process process;
    private final int httpPort;

    private SquidProcess(Path directory, Process process, int httpPort) {
        this.directory = directory;
        this.process = process;
        this.httpPort = httpPort;
    }

    /**
     * Starts a Squid that routes by its peers' ICP answers: its ICP side on {@code icpAddress}
     * (Squid ignores replies from the address of its own ICP socket, so not the peers' address),
     * {@code peerDirectives} ({@code cache_peer} lines and the like) added, and ports picked.
     */
    static SquidProcess startRoutingByIcp(Path directory, InetAddress icpAddress, List<String> peerDirectives)
            throws IOException {
        List<String> directives = new ArrayList<>(List.of(
                "icp_port " + freeUdpPort(icpAddress),
                "udp_incoming_address " + icpAddress.getHostAddress(),
                // A fixed ICP timeout instead of Squid's dynamic one (twice the peers' average round
                // trip, at least 5 ms), which a loaded two-core machine misses now and then: how fast
                // the node answers is measured by bench/icp.sh, not asserted by tests. Squid moves on
                // as soon as every peer has replied.
                "icp_query_timeout 2000",
                "prefer_direct off",
                "nonhierarchical_direct off",
                // Keep Squid from going direct to the loopback origin because it measured it close.
                "pinger_enable off",
                "netdb_filename none",
                "minimum_direct_rtt 0",
                // Squid 5.7 logs the hierarchy code a reused parent connection was opened with:
                // without persistent parent connections each log line shows its request's choice.
                "server_persistent_connections off"));
        directives.addAll(peerDirectives);
        return start(directory, freeTcpPort(), directives);
    }

    /** 127.0.0.{@code last}: Linux answers on all of 127/8. */
    static InetAddress loopback(int last) {
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) last});
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A TCP port free on 127.0.0.1 now. */
    static int freeTcpPort() throws IOException {
        return sibyl.icp.testing.FreePorts.tcp();
    }

    private static int freeUdpPort(InetAddress address) throws IOException {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(address, 0))) {
            return socket.getLocalPort();
        }
    }

    static boolean installed() {
        return Files.isExecutable(BINARY);
    }

    /**
     * Starts Squid with {@code directives} added to a base configuration that logs to
     * {@code directory}, caches in memory only, and serves HTTP on {@code httpPort}.
     */
    static SquidProcess start(Path directory, int httpPort, List<String> directives) throws IOException {
        // Squid started as root drops to the 'proxy' user, which must write its logs here.
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxrwxrwx"));
        String config = String.join("\n",
                "http_port 127.0.0.1:" + httpPort,
                "pid_filename " + directory.resolve("squid.pid"),
                "access_log stdio:" + directory.resolve("access.log"),
                "cache_log " + directory.resolve("cache.log"),
                "cache_store_log none",
                "coredump_dir " + directory,
                "logfile_rotate 0",
                "cache_mem 8 MB",
                "shutdown_lifetime 0 seconds",
                "http_access allow localhost",
                "http_access deny all",
                "dns_nameservers 127.0.0.1",
                String.join("\n", directives)) + "\n";
        Path file = directory.resolve("squid.conf");
        Files.writeString(file, config);
        Process parse = new ProcessBuilder(BINARY.toString(), "-k", "parse", "-f", file.toString())
                .redirectErrorStream(true).start();
        String parseOutput = new String(parse.getInputStream().readAllBytes());
        try {
            if (!parse.waitFor(30, TimeUnit.SECONDS) || parse.exitValue() != 0) {
                throw new IllegalStateException("squid rejects its configuration:\n" + parseOutput);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        Process process = new ProcessBuilder(BINARY.toString(), "-N", "-f", file.toString())
                .redirectErrorStream(true)
                .redirectOutput(directory.resolve("squid.out").toFile())
                .start();
        SquidProcess squid = new SquidProcess(directory, process, httpPort);
        try {
            await("squid listening on " + httpPort).atMost(Duration.ofSeconds(30)).until(() -> {
                if (!process.isAlive()) {
                    throw new IllegalStateException("squid exited at start:\n" + squid.log());
                }
                return accepts(httpPort);
            });
        } catch (RuntimeException e) {
            squid.close();
            throw e;
        }
        return squid;
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    InetSocketAddress httpAddress() {
        return new InetSocketAddress("127.0.0.1", httpPort);
    }

    /** The lines of Squid's access.log so far, in its native format. */
    List<String> accessLog() throws IOException {
        Path log = directory.resolve("access.log");
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    /** cache.log and Squid's own output, for failure messages. */
    String log() {
        StringBuilder text = new StringBuilder();
        for (String name : List.of("squid.out", "cache.log")) {
            try {
                text.append("--- ").append(name).append('\n').append(Files.readString(directory.resolve(name)));
            } catch (IOException e) {
                text.append("--- ").append(name).append(": ").append(e).append('\n');
            }
        }
        return text.toString();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
