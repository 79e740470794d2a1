package sibyl.icp.policy.plugins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigUtil;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import sibyl.icp.policy.IcpPolicy;
import sibyl.icp.policy.IcpPolicyProvider;
import sibyl.icp.policy.IcpVerdict;
import sibyl.icp.policy.TestQuery;
import sibyl.icp.policy.builtin.AclPolicy;
import sibyl.icp.policy.builtin.WarmupPolicy;

class PolicyTypesTest {
    private static final String SERVICE_FILE = "META-INF/services/" + IcpPolicyProvider.class.getName();

    /** Plugin provider classes, compiled once for the class: class name to source. */
    private static final Map<String, String> PLUGIN_SOURCES = Map.of(
            "example/AlwaysHitProvider", """
                    package example;
                    import sibyl.icp.policy.*;
                    public final class AlwaysHitProvider implements IcpPolicyProvider {
                        public String type() { return "example.always-hit"; }
                        public IcpPolicy create(PolicyContext context) { return query -> IcpVerdict.HIT; }
                    }
                    """,
            "example/FailingProvider", """
                    package example;
                    import sibyl.icp.policy.*;
                    public final class FailingProvider implements IcpPolicyProvider {
                        public String type() { return "example.failing"; }
                        public IcpPolicy create(PolicyContext context) {
                            throw new IllegalArgumentException("modulus must be positive");
                        }
                    }
                    """,
            "example/AclImpostorProvider", """
                    package example;
                    import sibyl.icp.policy.*;
                    public final class AclImpostorProvider implements IcpPolicyProvider {
                        public String type() { return "acl"; }
                        public IcpPolicy create(PolicyContext context) { return query -> null; }
                    }
                    """);

    @TempDir
    static Path classes;

    @TempDir
    Path plugins;

    private static ScheduledExecutorService housekeeping;

    @BeforeAll
    static void compilePluginClasses() throws Exception {
        housekeeping = Executors.newSingleThreadScheduledExecutor();
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertTrue(javac != null, "tests run on a JDK, which has javac");
        Path sources = Files.createDirectories(classes.resolve("src/example"));
        for (var source : PLUGIN_SOURCES.entrySet()) {
            Files.writeString(sources.resolve(Path.of(source.getKey()).getFileName() + ".java"), source.getValue());
        }
        String classPath = codeSource(IcpPolicyProvider.class) + java.io.File.pathSeparator + codeSource(Config.class);
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        List<String> args = new java.util.ArrayList<>(List.of("-d", classes.resolve("out").toString(), "-cp", classPath));
        try (var files = Files.list(sources)) {
            files.forEach(file -> args.add(file.toString()));
        }
        int status = javac.run(null, errors, errors, args.toArray(String[]::new));
        assertEquals(0, status, errors::toString);
    }

    @AfterAll
    static void stopHousekeeping() {
        housekeeping.shutdownNow();
    }

    private static String codeSource(Class<?> type) throws Exception {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    /** A jar named {@code name} in the plugins folder, with these entries (name to content). */
    private Path jar(String name, Map<String, byte[]> entries) throws IOException {
        Path jar = plugins.resolve(name);
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, manifest)) {
            for (var entry : entries.entrySet()) {
                out.putNextEntry(new JarEntry(entry.getKey()));
                out.write(entry.getValue());
                out.closeEntry();
            }
        }
        return jar;
    }

    /** A plugin jar holding the compiled {@code providerClass}, listed in its services file. */
    private Path pluginJar(String name, String providerClass) throws IOException {
        String path = providerClass.replace('.', '/') + ".class";
        return jar(name, Map.of(
                path, Files.readAllBytes(classes.resolve("out").resolve(path)),
                SERVICE_FILE, (providerClass + "\n").getBytes(StandardCharsets.UTF_8)));
    }

    private static Config block(String hocon) {
        return ConfigFactory.parseString(hocon);
    }

    // ---- built-in types ----------------------------------------------------------------------

    @Test
    void withoutAPluginsFolderTheBuiltInTypesAreKnown() throws Exception {
        try (PolicyTypes types = PolicyTypes.discover(null)) {
            assertEquals(List.of("acl", "rules", "warmup"), types.names());
        }
    }

    @Test
    void missingPluginsFolderMeansNoPlugins() throws Exception {
        try (PolicyTypes types = PolicyTypes.discover(plugins.resolve("missing"))) {
            assertEquals(List.of("acl", "rules", "warmup"), types.names());
        }
    }

    @Test
    void filesThatAreNotJarsAreIgnored() throws Exception {
        Files.writeString(plugins.resolve("README.txt"), "not a plugin");

        try (PolicyTypes types = PolicyTypes.discover(plugins)) {
            assertEquals(List.of("acl", "rules", "warmup"), types.names());
        }
    }

    @Test
    void createsBuiltInPoliciesFromTheirBlocks() throws Exception {
        try (PolicyTypes types = PolicyTypes.discover(null)) {
            IcpPolicy acl = types.create("icp.policies.10-acl", "10-acl", block("type = acl, allow = [\"127.0.0.1\"]"), housekeeping);
            IcpPolicy warmup = types.create("icp.policies.05-warmup", "05-warmup", block("type = warmup, duration = 0s"), housekeeping);

            assertInstanceOf(AclPolicy.class, acl);
            assertNull(acl.decide(TestQuery.from("127.0.0.1", "http://x/")));
            assertEquals(IcpVerdict.DENIED, acl.decide(TestQuery.from("192.0.2.1", "http://x/")));
            assertInstanceOf(WarmupPolicy.class, warmup);
        }
    }

    @Test
    void createsARulesPolicyWithTheHousekeepingThread() throws Exception {
        Path rules = Files.writeString(plugins.resolve("icp.rules"), "HIT /hot/\n");
        try (PolicyTypes types = PolicyTypes.discover(null);
                IcpPolicy policy = types.create("icp.policies.20-rules", "20-rules",
                        block("type = rules, file = " + ConfigUtil.quoteString(rules.toString())), housekeeping)) {
            assertEquals(IcpVerdict.HIT, policy.decide(TestQuery.of("http://example.com/hot/")));
        }
    }

    @Test
    void unknownTypeNamesTheKeyAndListsTheKnownTypes() throws Exception {
        try (PolicyTypes types = PolicyTypes.discover(null)) {
            PluginException e = assertThrows(PluginException.class,
                    () -> types.create("icp.policies.30-shards", "30-shards", block("type = example.shard"), housekeeping));

            assertTrue(e.getMessage().startsWith("icp.policies.30-shards.type: unknown ICP policy type 'example.shard'"), e.getMessage());
            assertTrue(e.getMessage().endsWith("known types: acl, rules, warmup (no plugin directory is configured)"),
                    e.getMessage());
        }
    }

    @Test
    void unknownTypeSaysWhereThePluginJarsWereLookedFor() throws Exception {
        Path missing = Path.of("no-such-plugins-dir");
        try (PolicyTypes types = PolicyTypes.discover(missing)) {
            PluginException e = assertThrows(PluginException.class,
                    () -> types.create("icp.policies.30-shards", "30-shards", block("type = example.shard"), housekeeping));

            assertTrue(e.getMessage().endsWith("(plugin jars are read from " + missing.toAbsolutePath()
                    + ", which does not exist)"), e.getMessage());
        }
    }

    @Test
    void missingTypeNamesTheKey() throws Exception {
        try (PolicyTypes types = PolicyTypes.discover(null)) {
            PluginException e = assertThrows(PluginException.class,
                    () -> types.create("icp.policies.30-x", "30-x", block("allow = []"), housekeeping));

            assertTrue(e.getMessage().startsWith("icp.policies.30-x: "), e.getMessage());
            assertTrue(e.getMessage().contains("'type'"), e.getMessage());
        }
    }

    @Test
    void badSettingsNameTheKeyAndTheSetting() throws Exception {
        try (PolicyTypes types = PolicyTypes.discover(null)) {
            PluginException e = assertThrows(PluginException.class, () -> types.create("icp.policies.10-acl", "10-acl",
                    block("type = acl, allow = [\"not-an-address\"]"), housekeeping));

            assertTrue(e.getMessage().startsWith("icp.policies.10-acl: "), e.getMessage());
            assertTrue(e.getMessage().contains("'allow'"), e.getMessage());
            assertTrue(e.getMessage().contains("not-an-address"), e.getMessage());
        }
    }

    // ---- plugin jars -------------------------------------------------------------------------

    @Test
    void pluginJarAddsItsType() throws Exception {
        pluginJar("always-hit.jar", "example.AlwaysHitProvider");

        try (PolicyTypes types = PolicyTypes.discover(plugins)) {
            assertEquals(List.of("acl", "example.always-hit", "rules", "warmup"), types.names());
            IcpPolicy policy = types.create("icp.policies.50-hit", "50-hit", block("type = example.always-hit"), housekeeping);
            assertEquals(IcpVerdict.HIT, policy.decide(TestQuery.of("http://x/")));
        }
    }

    @Test
    void pluginThatRejectsItsSettingsIsNamedByKey() throws Exception {
        pluginJar("failing.jar", "example.FailingProvider");

        try (PolicyTypes types = PolicyTypes.discover(plugins)) {
            PluginException e = assertThrows(PluginException.class,
                    () -> types.create("icp.policies.60-f", "60-f", block("type = example.failing"), housekeeping));

            assertTrue(e.getMessage().startsWith("icp.policies.60-f ("), e.getMessage());
            assertTrue(e.getMessage().endsWith("): modulus must be positive"), e.getMessage());
        }
    }

    @Test
    void fileNamedJarThatIsNotAZipIsNamed() throws Exception {
        Path broken = Files.writeString(plugins.resolve("broken.jar"), "this is not a zip file");

        PluginException e = assertThrows(PluginException.class, () -> PolicyTypes.discover(plugins));

        assertTrue(e.getMessage().startsWith(broken + ": not a readable jar"), e.getMessage());
    }

    @Test
    void jarWithoutTheServicesFileIsNamed() throws Exception {
        Path jar = jar("library.jar", Map.of("example/Util.class", new byte[] {(byte) 0xca, (byte) 0xfe}));

        PluginException e = assertThrows(PluginException.class, () -> PolicyTypes.discover(plugins));

        assertEquals(jar + ": not a Sibyl policy plugin: it has no " + SERVICE_FILE, e.getMessage());
    }

    @Test
    void jarListingAMissingProviderClassIsNamed() throws Exception {
        Path jar = jar("missing-class.jar", Map.of(SERVICE_FILE, "example.NoSuchProvider\n".getBytes(StandardCharsets.UTF_8)));

        PluginException e = assertThrows(PluginException.class, () -> PolicyTypes.discover(plugins));

        assertTrue(e.getMessage().startsWith(jar + ": cannot load its policy provider"), e.getMessage());
    }

    @Test
    void jarListingOnlyABuiltInProviderProvidesNothingOfItsOwn() throws Exception {
        Path jar = jar("copycat.jar", Map.of(SERVICE_FILE,
                "sibyl.icp.policy.builtin.AclPolicyProvider\n".getBytes(StandardCharsets.UTF_8)));

        PluginException e = assertThrows(PluginException.class, () -> PolicyTypes.discover(plugins));

        assertEquals(jar + ": provides no policy type of its own", e.getMessage());
    }

    @Test
    void jarRedeclaringABuiltInTypeIsNamed() throws Exception {
        Path jar = pluginJar("impostor.jar", "example.AclImpostorProvider");

        PluginException e = assertThrows(PluginException.class, () -> PolicyTypes.discover(plugins));

        assertEquals(jar + ": policy type 'acl' is already provided by the class path", e.getMessage());
    }

    @Test
    void twoJarsDeclaringTheSameTypeNameTheSecond() throws Exception {
        Path first = pluginJar("a-hit.jar", "example.AlwaysHitProvider");
        Path second = pluginJar("b-hit.jar", "example.AlwaysHitProvider");

        PluginException e = assertThrows(PluginException.class, () -> PolicyTypes.discover(plugins));

        assertEquals(second + ": policy type 'example.always-hit' is already provided by " + first, e.getMessage());
    }
}
