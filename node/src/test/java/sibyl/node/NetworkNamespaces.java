package sibyl.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Network namespaces a test makes for its own processes, one per node, each joined by a veth pair
 * to a bridge in the root namespace: the root namespace is 10.213.0.1, node {@code i} is
 * 10.213.0.(10+i), all on 10.213.0.0/24, a range nothing else on the machine may use (checked).
 * Traffic between them crosses the bridge only, and stays inside what the test made.
 *
 * <p>Every name carries the test JVM's pid; what a test JVM that died left behind (its pid no
 * longer running) is removed first, processes still inside its namespaces killed by pid. Closing
 * removes the bridge, the veths and the namespaces, whatever state the test ended in.
 */
final class NetworkNamespaces implements AutoCloseable {
    static final String ROOT_ADDRESS = "10.213.0.1";
    private static final String SUBNET = "10.213.0.0/24";
    private static final String PREFIX = "sibyl-split-";
    private static final Pattern NAMESPACE = Pattern.compile("^" + PREFIX + "(\\d+)-\\d+");
    // Interface names are at most 15 characters: sbb<pid> is the bridge, sbv<pid>n<i> a veth's root end.
    private static final Pattern LINK = Pattern.compile("^\\d+: (sb[bv](\\d+)(?:n\\d+)?)[@:]");

    private final long pid = ProcessHandle.current().pid();
    private final int nodes;
    private final List<String> made = new ArrayList<>();

    private NetworkNamespaces(int nodes) {
        this.nodes = nodes;
    }

    /**
     * Null if this machine can make them now, else why not: not root, no {@code ip netns}, or
     * 10.213.0.0/24 in use (by another run of the test, say). What test JVMs that died left
     * behind is removed first.
     */
    static String unavailable() {
        try {
            if (!run("id", "-u").strip().equals("0")) {
                return "not root: network namespaces and veth pairs need CAP_NET_ADMIN";
            }
            run("ip", "netns", "list");
        } catch (IOException e) {
            return "`ip netns` is unavailable: " + e.getMessage();
        }
        try {
            removeStale();
            String used = run("ip", "-o", "addr", "show", "to", SUBNET) + run("ip", "route", "show", "to", "match", SUBNET);
            for (String line : used.split("\n")) {
                if (!line.isBlank() && !line.startsWith("default")) {
                    return SUBNET + " is in use on this machine (another run of this test?): " + line.strip();
                }
            }
            return null;
        } catch (IOException e) {
            return "cannot read this machine's addresses: " + e.getMessage();
        }
    }

    /** Makes the bridge and {@code nodes} namespaces (after {@link #unavailable} said it can). */
    static NetworkNamespaces create(int nodes) throws IOException {
        NetworkNamespaces namespaces = new NetworkNamespaces(nodes);
        try {
            namespaces.make();
        } catch (IOException | RuntimeException e) {
            namespaces.close();
            throw e;
        }
        return namespaces;
    }

    private void make() throws IOException {
        String bridge = "sbb" + pid;
        run("ip", "link", "add", bridge, "type", "bridge");
        made.add("link:" + bridge);
        run("ip", "addr", "add", ROOT_ADDRESS + "/24", "dev", bridge);
        run("ip", "link", "set", bridge, "up");
        for (int i = 1; i <= nodes; i++) {
            String namespace = namespace(i);
            run("ip", "netns", "add", namespace);
            made.add("netns:" + namespace);
            run("ip", "link", "add", veth(i), "type", "veth", "peer", "name", "eth0", "netns", namespace);
            made.add("link:" + veth(i));
            run("ip", "link", "set", veth(i), "master", bridge, "up");
            run("ip", "-n", namespace, "addr", "add", address(i) + "/24", "dev", "eth0");
            run("ip", "-n", namespace, "link", "set", "lo", "up");
            run("ip", "-n", namespace, "link", "set", "eth0", "up");
        }
    }

    String namespace(int i) {
        return PREFIX + pid + "-" + i;
    }

    private String veth(int i) {
        return "sbv" + pid + "n" + i;
    }

    static String address(int i) {
        return "10.213.0." + (10 + i);
    }

    /** The command that runs {@code command} inside node {@code i}'s namespace. */
    List<String> inside(int i, List<String> command) {
        List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", namespace(i)));
        all.addAll(command);
        return all;
    }

    /** Cuts node {@code i} off from everything: its veth's root end down (the namespace end loses carrier). */
    void cut(int i) throws IOException {
        run("ip", "link", "set", veth(i), "down");
    }

    /** Joins node {@code i} again. */
    void heal(int i) throws IOException {
        run("ip", "link", "set", veth(i), "up");
    }

    /** Removes what {@link #create} made, in reverse, each step tried whatever the others did. */
    @Override
    public void close() {
        for (int i = made.size() - 1; i >= 0; i--) {
            String[] thing = made.get(i).split(":", 2);
            try {
                if (thing[0].equals("netns")) {
                    killInside(thing[1]);
                    run("ip", "netns", "del", thing[1]);
                } else {
                    run("ip", "link", "del", thing[1]);
                }
            } catch (IOException e) {
                // a veth goes with its namespace's end: nothing left to remove
            }
        }
        made.clear();
    }

    /** Removes the namespaces and links a test JVM no longer running left behind. */
    private static void removeStale() throws IOException {
        for (String line : run("ip", "netns", "list").split("\n")) {
            Matcher matcher = NAMESPACE.matcher(line);
            if (matcher.find() && !running(Long.parseLong(matcher.group(1)))) {
                String namespace = line.split("\\s+")[0];
                killInside(namespace);
                run("ip", "netns", "del", namespace);
            }
        }
        for (String line : run("ip", "-o", "link", "show").split("\n")) {
            Matcher matcher = LINK.matcher(line);
            if (matcher.find() && !running(Long.parseLong(matcher.group(2)))) {
                try {
                    run("ip", "link", "del", matcher.group(1));
                } catch (IOException e) {
                    // a veth removed with its peer a moment ago
                }
            }
        }
    }

    private static boolean running(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** Kills, by pid, what still runs in a namespace of ours (a node a dead test left). */
    private static void killInside(String namespace) {
        try {
            for (String pid : run("ip", "netns", "pids", namespace).split("\n")) {
                if (!pid.isBlank()) {
                    ProcessHandle.of(Long.parseLong(pid.strip())).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
        } catch (IOException e) {
            // gone already
        }
    }

    /** Runs a command to its end (30 s at most); its output, or an IOException with it if it failed. */
    static String run(String... command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", command) + ": still running after 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        if (process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " exited " + process.exitValue() + ": " + output.strip());
        }
        return output;
    }
}
