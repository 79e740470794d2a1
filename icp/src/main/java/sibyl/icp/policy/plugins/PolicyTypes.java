package sibyl.icp.policy.plugins;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ScheduledExecutorService;
import java.util.jar.JarFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sibyl.icp.policy.IcpPolicy;
import sibyl.icp.policy.IcpPolicyProvider;
import sibyl.icp.policy.PolicyContext;

/**
 * The policy types a node knows: the built-in ones, found on the class path, and those of the
 * plugin jars in a directory, each jar loaded by a class loader of its own so that a problem is
 * pinned on the jar that has it.
 */
public final class PolicyTypes implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PolicyTypes.class);
    private static final String SERVICE_FILE = "META-INF/services/" + IcpPolicyProvider.class.getName();

    private final Map<String, Found> types;
    private final List<URLClassLoader> loaders;
    private final String pluginsRead;

    private PolicyTypes(Map<String, Found> types, List<URLClassLoader> loaders, String pluginsRead) {
        this.types = types;
        this.loaders = loaders;
        this.pluginsRead = pluginsRead;
    }

    /**
     * Finds the built-in types and those of every {@code *.jar} in {@code pluginDirectory}.
     *
     * @param pluginDirectory may be {@code null} or missing: then there are no plugins; a relative
     *     path is resolved against the working directory
     * @throws PluginException naming the jar that is not a jar, provides no policy type, fails to
     *     load its provider, or declares a type another jar already declares
     */
    public static PolicyTypes discover(Path pluginDirectory) throws PluginException {
        return discover(pluginDirectory, List.of());
    }

    /**
     * As {@link #discover(Path)}, with types the embedding program provides itself, such as those
     * that answer from its own state.
     */
    public static PolicyTypes discover(Path pluginDirectory, List<IcpPolicyProvider> ownTypes) throws PluginException {
        Map<String, Found> types = new TreeMap<>();
        ClassLoader parent = IcpPolicyProvider.class.getClassLoader();
        addAll(types, ServiceLoader.load(IcpPolicyProvider.class, parent), "the class path", false);
        for (IcpPolicyProvider provider : ownTypes) {
            Found earlier = types.putIfAbsent(provider.type(), new Found(provider, "the node"));
            if (earlier != null) {
                throw new PluginException("policy type '" + provider.type() + "' is provided twice");
            }
        }
        List<URLClassLoader> loaders = new ArrayList<>();
        Path directory = pluginDirectory == null ? null : pluginDirectory.toAbsolutePath().normalize();
        List<Path> jars = jars(directory);
        String pluginsRead = directory == null ? "no plugin directory is configured"
                : !Files.isDirectory(directory) ? "plugin jars are read from " + directory + ", which does not exist"
                : jars.isEmpty() ? "no *.jar in the plugin directory " + directory
                : "plugin jars read from " + directory + ": "
                        + String.join(", ", jars.stream().map(jar -> jar.getFileName().toString()).toList());
        log.info("ICP policy types: {}", pluginsRead);
        try {
            for (Path jar : jars) {
                checkJar(jar);
                URLClassLoader loader = new URLClassLoader("plugin " + jar.getFileName(), new URL[] {url(jar)}, parent);
                loaders.add(loader);
                int before = types.size();
                addAll(types, ServiceLoader.load(IcpPolicyProvider.class, loader), jar.toString(), true);
                if (types.size() == before) {
                    throw new PluginException(jar + ": provides no policy type of its own");
                }
                log.info("ICP plugin {}: policy types {}", jar, types.entrySet().stream()
                        .filter(e -> e.getValue().source.equals(jar.toString())).map(Map.Entry::getKey).toList());
            }
        } catch (PluginException | RuntimeException e) {
            loaders.forEach(PolicyTypes::closeQuietly);
            throw e;
        }
        return new PolicyTypes(Collections.unmodifiableMap(types), List.copyOf(loaders), pluginsRead);
    }

    private static List<Path> jars(Path directory) throws PluginException {
        if (directory == null || !Files.isDirectory(directory)) {
            return List.of();
        }
        List<Path> jars = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory, "*.jar")) {
            entries.forEach(jars::add);
        } catch (IOException e) {
            throw new PluginException(directory + ": cannot list plugins: " + e.getMessage(), e);
        }
        Collections.sort(jars);
        return jars;
    }

    private static void checkJar(Path jar) throws PluginException {
        try (JarFile file = new JarFile(jar.toFile())) {
            if (file.getEntry(SERVICE_FILE) == null) {
                throw new PluginException(jar + ": not a Sibyl policy plugin: it has no " + SERVICE_FILE);
            }
        } catch (IOException e) {
            throw new PluginException(jar + ": not a readable jar: " + e.getMessage(), e);
        }
    }

    private static URL url(Path jar) throws PluginException {
        try {
            return jar.toUri().toURL();
        } catch (MalformedURLException e) {
            throw new PluginException(jar + ": " + e.getMessage(), e);
        }
    }

    /**
     * @param pluginJar whether {@code loader} is a plugin jar's, which also sees the built-in
     *     providers through its parent: those are skipped, not counted twice
     */
    private static void addAll(Map<String, Found> types, ServiceLoader<IcpPolicyProvider> loader, String source,
            boolean pluginJar) throws PluginException {
        try {
            for (ServiceLoader.Provider<IcpPolicyProvider> candidate : loader.stream().toList()) {
                if (pluginJar && candidate.type().getClassLoader() == IcpPolicyProvider.class.getClassLoader()) {
                    continue;
                }
                IcpPolicyProvider provider = candidate.get();
                String type = provider.type();
                if (type == null || type.isBlank()) {
                    throw new PluginException(source + ": " + provider.getClass().getName() + " declares no type name");
                }
                Found earlier = types.putIfAbsent(type, new Found(provider, source));
                if (earlier != null) {
                    throw new PluginException(source + ": policy type '" + type + "' is already provided by " + earlier.source);
                }
            }
        } catch (ServiceConfigurationError | LinkageError e) {
            throw new PluginException(source + ": cannot load its policy provider: " + rootMessage(e), e);
        } catch (RuntimeException e) {
            throw new PluginException(source + ": its policy provider failed: " + rootMessage(e), e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + root + ")";
    }

    /** The names of the known types. */
    public List<String> names() {
        return List.copyOf(types.keySet());
    }

    /**
     * Creates the policy registered as {@code name} from its configuration block.
     *
     * @param key the block's path in the configuration, for messages (e.g. {@code icp.policies.10-acl})
     * @param block the block: {@code type} and the type's own settings
     * @throws PluginException naming the key, and the file and line Typesafe Config knows, when the
     *     type is unknown or the settings are wrong
     */
    public IcpPolicy create(String key, String name, Config block, ScheduledExecutorService housekeeping)
            throws PluginException {
        String type;
        try {
            type = block.getString("type");
        } catch (ConfigException e) {
            throw new PluginException(key + ": " + e.getMessage(), e);
        }
        Found found = types.get(type);
        if (found == null) {
            throw new PluginException(key + ".type: unknown ICP policy type '" + type + "' ("
                    + block.getValue("type").origin().description() + "); known types: " + String.join(", ", types.keySet())
                    + " (" + pluginsRead + ")");
        }
        PolicyContext context = context(name, block.withoutPath("type"), housekeeping);
        try {
            IcpPolicy policy = found.provider.create(context);
            if (policy == null) {
                throw new PluginException(key + ": policy type '" + type + "' of " + found.source + " created nothing");
            }
            return policy;
        } catch (ConfigException e) {
            throw new PluginException(key + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new PluginException(key + " (" + block.origin().description() + "): " + e.getMessage(), e);
        }
    }

    /** The context a provider is given, for code that creates policies itself (tests, embedders). */
    public static PolicyContext context(String name, Config settings, ScheduledExecutorService housekeeping) {
        return new Context(name, settings, housekeeping);
    }

    @Override
    public void close() {
        loaders.forEach(PolicyTypes::closeQuietly);
    }

    private static void closeQuietly(URLClassLoader loader) {
        try {
            loader.close();
        } catch (IOException e) {
            log.debug("closing {}", loader.getName(), e);
        }
    }

    private record Found(IcpPolicyProvider provider, String source) {}

    private record Context(String name, Config settings, ScheduledExecutorService housekeeping)
            implements PolicyContext {

        @Override
        public void rejectUnknownSettings(Set<String> known) {
            for (String key : settings.root().keySet()) {
                if (!known.contains(key)) {
                    throw new ConfigException.BadPath(settings.root().get(key).origin(), key,
                            "unknown setting of this policy (a typo?); it knows " + String.join(", ", new TreeSet<>(known)));
                }
            }
        }
    }
}
