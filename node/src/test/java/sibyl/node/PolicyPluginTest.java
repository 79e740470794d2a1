package sibyl.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sibyl.config.SettingsLoader;
import sibyl.icp.client.IcpClient;
import sibyl.icp.policy.plugins.PluginException;
import sibyl.icp.wire.IcpOpcode;

/**
 * The example plugin of {@code examples/policy-plugin}, compiled here against the icp module
 * alone, packaged as a jar, dropped in a plugins directory and named in a node's configuration.
 */
class PolicyPluginTest {
    private static final Path EXAMPLE = Path.of("..", "examples", "policy-plugin").toAbsolutePath().normalize();

    @TempDir
    static Path work;

    static Path plugins;

    @BeforeAll
    static void buildTheExamplePlugin() throws IOException {
        plugins = Files.createDirectories(work.resolve("plugins"));
        Path classes = Files.createDirectories(work.resolve("classes"));
        List<String> arguments = new ArrayList<>(List.of("-d", classes.toString(), "--release", "17",
                "-classpath", System.getProperty("java.class.path")));
        try (Stream<Path> sources = Files.walk(EXAMPLE.resolve("src/main/java"))) {
            sources.filter(path -> path.toString().endsWith(".java")).map(Path::toString).forEach(arguments::add);
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertEquals(0, javac.run(null, null, null, arguments.toArray(new String[0])), "the example compiles");
        writeJar(plugins.resolve("shard-policy-plugin.jar"), classes, EXAMPLE.resolve("src/main/resources"));
    }

    @Test
    void theNodeAnswersWithThePluginsVerdicts() throws Exception {
        Path config = writeConfig("""
                icp.listen = ["127.0.0.1:0"]
                http.listen = ["127.0.0.1:0"]
                admin.listen = ["127.0.0.1:0"]
                icp.plugins = "%s"
                icp.policies.20-shard { type = "example.shard", shards = 3, index = 1 }
                """.formatted(plugins));
        try (SibylNode node = SibylNode.start(SettingsLoader.load(config, Map.of()));
                IcpClient client = IcpClient.openFor(node.icpAddresses().get(0))) {
            InetSocketAddress server = node.icpAddresses().get(0);
            int hits = 0;
            for (int i = 0; i < 300; i++) {
                String url = "http://shards.example/object/" + i;
                IcpOpcode expected = Math.floorMod(url.hashCode(), 3) == 1 ? IcpOpcode.HIT : IcpOpcode.MISS;
                IcpOpcode answered = client.query(server, url, Duration.ofSeconds(2)).join().message().opcode();
                assertEquals(expected, answered, url);
                hits += answered == IcpOpcode.HIT ? 1 : 0;
            }
            assertTrue(hits > 50 && hits < 150, "about a third of the URLs are the shard's: " + hits);
            assertEquals(List.of("10-acl", "20-shard", "50-cache"), node.policies().names());
        }
    }

    @Test
    void badPluginSettingsStopStartNamingTheKey() throws Exception {
        Path config = writeConfig("""
                icp.listen = ["127.0.0.1:0"]
                http.listen = ["127.0.0.1:0"]
                admin.listen = ["127.0.0.1:0"]
                icp.plugins = "%s"
                icp.policies.20-shard { type = "example.shard", shards = 3, index = 7 }
                """.formatted(plugins));
        PluginException e = assertThrows(PluginException.class,
                () -> SibylNode.start(SettingsLoader.load(config, Map.of())));
        assertTrue(e.getMessage().startsWith("icp.policies.20-shard: "), e.getMessage());
        assertTrue(e.getMessage().contains("index") && e.getMessage().contains("0..2"), e.getMessage());
        assertTrue(e.getMessage().contains(config.getFileName().toString()), "names the file: " + e.getMessage());
    }

    @Test
    void aBrokenJarStopsStartNamingTheFile() throws Exception {
        Path broken = Files.createDirectories(work.resolve("broken-plugins"));
        Files.copy(plugins.resolve("shard-policy-plugin.jar"), broken.resolve("shard-policy-plugin.jar"));
        Files.writeString(broken.resolve("half-copied.jar"), "PK\u0003\u0004 not really a jar");
        Path config = writeConfig("icp.listen = [\"127.0.0.1:0\"]\nhttp.listen = [\"127.0.0.1:0\"]\nadmin.listen = [\"127.0.0.1:0\"]\nicp.plugins = \"" + broken + "\"\n");

        PluginException e = assertThrows(PluginException.class,
                () -> SibylNode.start(SettingsLoader.load(config, Map.of())));

        assertTrue(e.getMessage().startsWith(broken.resolve("half-copied.jar") + ": "), e.getMessage());
    }

    @Test
    void aJarWhoseProviderClassIsMissingStopsStartNamingTheFile() throws Exception {
        Path dir = Files.createDirectories(work.resolve("missing-class"));
        Path resources = Files.createDirectories(work.resolve("missing-class-resources/META-INF/services"));
        Files.writeString(resources.resolve("sibyl.icp.policy.IcpPolicyProvider"), "example.NoSuchProvider\n");
        Path emptyClasses = Files.createDirectories(work.resolve("no-classes"));
        writeJar(dir.resolve("lost.jar"), emptyClasses, resources.getParent().getParent());
        Path config = writeConfig("icp.listen = [\"127.0.0.1:0\"]\nhttp.listen = [\"127.0.0.1:0\"]\nadmin.listen = [\"127.0.0.1:0\"]\nicp.plugins = \"" + dir + "\"\n");

        PluginException e = assertThrows(PluginException.class,
                () -> SibylNode.start(SettingsLoader.load(config, Map.of())));

        assertTrue(e.getMessage().startsWith(dir.resolve("lost.jar") + ": cannot load"), e.getMessage());
        assertTrue(e.getMessage().contains("example.NoSuchProvider"), e.getMessage());
    }

    @Test
    void anUnknownTypeStopsStartNamingTheKeyAndTheKnownTypes() throws Exception {
        Path config = writeConfig("""
                icp.listen = ["127.0.0.1:0"]
                http.listen = ["127.0.0.1:0"]
                admin.listen = ["127.0.0.1:0"]
                icp.plugins = "%s"
                icp.policies.30-mine { type = "example.shrad" }
                """.formatted(plugins));
        PluginException e = assertThrows(PluginException.class,
                () -> SibylNode.start(SettingsLoader.load(config, Map.of())));
        assertTrue(e.getMessage().startsWith("icp.policies.30-mine.type: unknown ICP policy type 'example.shrad'"),
                e.getMessage());
        assertTrue(e.getMessage().contains("acl, cache, example.shard, rules, warmup"), e.getMessage());
    }

    private static Path writeConfig(String text) throws IOException {
        Path file = Files.createTempFile(work, "sibyl", ".conf");
        Files.writeString(file, text);
        return file;
    }

    private static void writeJar(Path jar, Path... roots) throws IOException {
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file)) {
            for (Path root : roots) {
                if (!Files.isDirectory(root)) {
                    continue;
                }
                try (Stream<Path> paths = Files.walk(root)) {
                    for (Path path : paths.filter(Files::isRegularFile).sorted().toList()) {
                        out.putNextEntry(new JarEntry(root.relativize(path).toString().replace('\\', '/')));
                        Files.copy(path, out);
                        out.closeEntry();
                    }
                }
            }
        }
    }
}
