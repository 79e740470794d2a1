package sibyl.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import sibyl.icp.policy.builtin.Cidr;

/**
 * Reads {@link NodeSettings} from Sibyl's {@code reference.conf}, an optional file, and
 * {@code SIBYL_*} environment variables, and checks every value before a node starts.
 */
public final class SettingsLoader {
    static final String ENV_PREFIX = "SIBYL_";
    private static final String POLICIES = "icp.policies";
    /** Its keys are host names the operator chooses. */
    private static final String ACCELERATE = "http.accelerate";
    private static final String LOG_LEVELS = "node.log-levels";

    private SettingsLoader() {}

    /** Settings from the defaults alone, as the tests and a bare {@code sibyl node} use. */
    public static NodeSettings defaults() {
        return load(null, Map.of());
    }

    /**
     * Loads and validates the settings.
     *
     * @param file the operator's file, or {@code null}
     * @param environment the process environment (only {@code SIBYL_*} entries are read)
     * @throws SettingsException naming the key, value and origin of the first bad setting
     */
    public static NodeSettings load(Path file, Map<String, String> environment) {
        return load(file, environment, Set.of());
    }

    /** Errors {@link #check} reports at most: a file with more has worse problems than a list can show. */
    static final int MAX_ERRORS = 50;

    /**
     * Every error in the settings, as {@code nginx -t} and {@code squid -k parse} report them: each
     * bad setting is set aside (its default stands in) and the rest read again, until they load.
     * Empty when a node would start with them, as far as the settings go.
     */
    public static List<SettingsException> check(Path file, Map<String, String> environment) {
        List<SettingsException> errors = new ArrayList<>();
        Set<String> setAside = new HashSet<>();
        while (errors.size() < MAX_ERRORS) {
            try {
                load(file, environment, setAside);
                break;
            } catch (SettingsException e) {
                errors.add(e);
                if (e.key() == null || !setAside.add(e.key())) {
                    break; // nothing to set aside: what follows cannot be read past it
                }
            }
        }
        return errors;
    }

    /**
     * Each setting in effect, in key order, with where it came from: {@code default}, the file
     * and line, or the environment variable.
     *
     * @throws SettingsException if the settings do not load (see {@link #check})
     */
    public static List<Effective> effective(Path file, Map<String, String> environment) {
        return loadWithOrigins(file, environment).effective();
    }

    /** A node's settings and each one's value and origin, read in one pass. */
    public record Loaded(NodeSettings settings, List<Effective> effective) {
        public Loaded {
            effective = List.copyOf(effective);
        }
    }

    /**
     * What {@link #load} and {@link #effective} give, from one reading of the file and the
     * environment: for a reload, which needs both and must not read a file that changes between
     * two readings.
     *
     * @throws SettingsException naming the first setting at fault, as {@link #load} does
     */
    public static Loaded loadWithOrigins(Path file, Map<String, String> environment) {
        Config merged = merged(file, environment, Set.of());
        NodeSettings loaded;
        try {
            loaded = read(merged);
        } catch (ConfigException e) {
            throw new SettingsException(e.getMessage(), e);
        }
        List<Effective> settings = new ArrayList<>();
        for (Map.Entry<String, ConfigValue> entry : new TreeMap<>(merged.entrySet().stream()
                .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue))).entrySet()) {
            ConfigValue value = entry.getValue();
            String origin = value.origin().resource() != null && value.origin().resource().endsWith("reference.conf")
                    ? "default" : origin(value);
            settings.add(new Effective(entry.getKey(), value.render(ConfigRenderOptions.concise()), origin));
        }
        return new Loaded(loaded, settings);
    }

    /** One setting in effect: its key, its value as HOCON, and where it came from. */
    public record Effective(String key, String value, String origin) {}

    private static NodeSettings load(Path file, Map<String, String> environment, Set<String> setAside) {
        try {
            return read(merged(file, environment, setAside));
        } catch (ConfigException e) {
            throw new SettingsException(e.getMessage(), e);
        }
    }

    /** The reference, under the operator's file, under the environment, without the keys {@code setAside}. */
    private static Config merged(Path file, Map<String, String> environment, Set<String> setAside) {
        Config reference = ConfigFactory.parseResources(SettingsLoader.class.getClassLoader(), "reference.conf",
                ConfigParseOptions.defaults().setAllowMissing(false));
        Config operator = ConfigFactory.empty();
        if (file != null) {
            if (!Files.isRegularFile(file)) {
                throw new SettingsException(file + ": no such configuration file");
            }
            try {
                operator = ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
            } catch (ConfigException e) {
                throw new SettingsException(e.getMessage(), e);
            }
        }
        Config overrides = fromEnvironment(environment, reference.root().keySet());
        for (String key : setAside) {
            operator = operator.withoutPath(key);
            overrides = overrides.withoutPath(key);
        }
        rejectUnknownKeys(operator.withFallback(overrides), reference);
        try {
            return overrides.withFallback(operator).withFallback(reference).resolve();
        } catch (ConfigException e) {
            throw new SettingsException(e.getMessage(), e);
        }
    }

    private static NodeSettings read(Config config) {
        return new NodeSettings(
                string(config, "node.name"),
                new IcpSettings(
                        listen(config, "icp.listen"),
                        nonNegativeInt(config, "icp.threads"),
                        (int) bytes(config, "icp.receive-buffer", 0, Integer.MAX_VALUE),
                        bool(config, "icp.native-transport"),
                        Path.of(string(config, "icp.plugins")),
                        policies(config),
                        nonNegativeInt(config, "icp.max-replies-per-sender")),
                new HttpSettings(
                        listen(config, "http.listen"),
                        nonNegativeInt(config, "http.threads"),
                        bool(config, "http.native-transport"),
                        cidrs(config, "http.allow"),
                        cidrs(config, "http.purge-allow"),
                        accelerate(config, "http.accelerate"),
                        optionalPath(config, "http.drop-rules"),
                        optionalPath(config, "http.nocache-rules"),
                        positiveDuration(config, "http.rules-reload-interval"),
                        optionalPath(config, "http.access-log"),
                        httpLimits(config),
                        fieldNames(config, "http.targeted-cache-control")),
                cache(config),
                new OriginSettings(
                        positiveDuration(config, "origin.connect-timeout"),
                        positiveDuration(config, "origin.read-timeout"),
                        positiveInt(config, "origin.max-connections"),
                        positiveDuration(config, "origin.acquire-timeout"),
                        bool(config, "origin.splice") ? bytes(config, "origin.splice-min-size", 0, Long.MAX_VALUE) : -1,
                        positiveInt(config, "origin.max-pools"),
                        positiveDuration(config, "origin.pool-idle-timeout")),
                cluster(config),
                new WarmUpSettings(nonNegativeInt(config, "warm-up.icp-queries"),
                        nonNegativeInt(config, "warm-up.http-requests")),
                new AdminSettings(listen(config, "admin.listen", true), cidrs(config, "admin.allow")),
                logLevels(config, LOG_LEVELS));
    }

    private static final long MIN_SLICE = 16 << 10;

    private static CacheSettings cache(Config config) {
        long maxObject = bytes(config, "cache.max-object-size", 0, Integer.MAX_VALUE);
        long fills = bytes(config, "cache.fills-in-flight", 0, Long.MAX_VALUE);
        if (fills < maxObject) {
            throw bad("cache.fills-in-flight", config.getValue("cache.fills-in-flight"),
                    "is less than cache.max-object-size (" + maxObject + " bytes): the largest objects could never be stored");
        }
        return new CacheSettings(bytes(config, "cache.memory", 1 << 20, Long.MAX_VALUE), maxObject, pipe(config), fills,
                nonNegativeDuration(config, "cache.grace.stale-while-revalidate"),
                nonNegativeDuration(config, "cache.grace.stale-if-error"), sliceSize(config));
    }

    private static long sliceSize(Config config) {
        long slice = bytes(config, "cache.slice-size", 0, Integer.MAX_VALUE);
        if (slice > 0 && slice < MIN_SLICE) {
            throw bad("cache.slice-size", config.getValue("cache.slice-size"), "must be 0 (off) or at least 16k: each"
                    + " slice costs an origin request");
        }
        return slice;
    }

    private static HttpLimits httpLimits(Config config) {
        int maxRequestBody = (int) bytes(config, "http.max-request-body", 0, Integer.MAX_VALUE);
        long bodiesInFlight = bytes(config, "http.request-bodies-in-flight", 0, Long.MAX_VALUE);
        if (maxRequestBody > bodiesInFlight) {
            throw bad("http.max-request-body", config.getValue("http.max-request-body"),
                    "exceeds http.request-bodies-in-flight (" + bodiesInFlight + " bytes): such a body could never be read");
        }
        return new HttpLimits(
                positiveInt(config, "http.max-connections"),
                positiveInt(config, "http.max-connections-per-client"),
                positiveInt(config, "http.max-pipelined"),
                (int) bytes(config, "http.max-request-line", 256, Integer.MAX_VALUE),
                (int) bytes(config, "http.max-header-size", 1024, Integer.MAX_VALUE),
                maxRequestBody,
                bodiesInFlight,
                positiveDuration(config, "http.header-timeout"),
                bytes(config, "http.min-body-rate", 0, Long.MAX_VALUE),
                positiveDuration(config, "http.idle-timeout"));
    }

    private static ClusterSettings cluster(Config config) {
        String name = string(config, "cluster.name").strip();
        if (name.isEmpty()) {
            throw bad("cluster.name", config.getValue("cluster.name"), "must not be empty");
        }
        ConfigValue members = config.getValue("cluster.members");
        if (members.valueType() != ConfigValueType.LIST) {
            throw bad("cluster.members", members, "expected a list of \"HOST:PORT\"");
        }
        List<InetSocketAddress> addresses = new ArrayList<>();
        List<? extends ConfigValue> items = config.getList("cluster.members");
        for (int i = 0; i < items.size(); i++) {
            ConfigValue item = items.get(i);
            if (item.valueType() != ConfigValueType.STRING) {
                throw bad("cluster.members[" + i + "]", item, "expected \"HOST:PORT\"");
            }
            try {
                addresses.add(HostPort.parseUnresolved((String) item.unwrapped()));
            } catch (IllegalArgumentException e) {
                throw bad("cluster.members[" + i + "]", item, e.getMessage());
            }
        }
        String mode = string(config, "cluster.mode").strip().toUpperCase(Locale.ROOT);
        ClusterSettings.Mode parsed;
        try {
            parsed = ClusterSettings.Mode.valueOf(mode);
        } catch (IllegalArgumentException e) {
            throw bad("cluster.mode", config.getValue("cluster.mode"), "expected parent or sibling");
        }
        return new ClusterSettings(bool(config, "cluster.enabled"), name,
                socketAddress("cluster.listen", config.getValue("cluster.listen")), addresses,
                bool(config, "cluster.multicast"), parsed, positiveDuration(config, "cluster.drain-timeout"),
                balanceFactor(config), positiveDuration(config, "cluster.handover"),
                new ClusterSettings.Handoff(bytes(config, "cluster.handoff.max-bytes", 0, Long.MAX_VALUE),
                        nonNegativeDuration(config, "cluster.handoff.timeout")));
    }

    private static double balanceFactor(Config config) {
        String key = "cluster.balance-factor";
        ConfigValue value = config.getValue(key);
        double factor;
        try {
            factor = config.getDouble(key);
        } catch (ConfigException e) {
            throw bad(key, value, "expected a number, at least 1.0 (1.02: a member holds at most 2% more than the mean)");
        }
        if (!(factor >= 1.0) || Double.isInfinite(factor)) {
            throw bad(key, value, "must be at least 1.0 (1.02: a member holds at most 2% more than the mean)");
        }
        return factor;
    }

    private static PipeSettings pipe(Config config) {
        long min = bytes(config, "cache.pipe.min-object-size", 0, Integer.MAX_VALUE);
        long max = bytes(config, "cache.pipe.max-object-size", 0, Integer.MAX_VALUE);
        if (max < min) {
            throw bad("cache.pipe.max-object-size", config.getValue("cache.pipe.max-object-size"),
                    "must not be below cache.pipe.min-object-size (" + min + " bytes)");
        }
        long size = bytes(config, "cache.pipe.size", 4096, 1L << 30);
        if (Long.bitCount(size) != 1) {
            throw bad("cache.pipe.size", config.getValue("cache.pipe.size"),
                    "must be a power of two (the kernel sizes pipes in powers of two of pages), such as 256k or 1m");
        }
        return new PipeSettings(
                bool(config, "cache.pipe.enabled"),
                min,
                max,
                auto(config, "cache.pipe.memory") ? OptionalLong.empty()
                        : OptionalLong.of(bytes(config, "cache.pipe.memory", 0, Long.MAX_VALUE)),
                (int) size,
                positiveInt(config, "cache.pipe.transfers"),
                auto(config, "cache.pipe.descriptors") ? OptionalLong.empty()
                        : OptionalLong.of(positiveInt(config, "cache.pipe.descriptors")));
    }

    /** Whether {@code key} is the word "auto": a value the node works out from the machine. */
    private static boolean auto(Config config, String key) {
        ConfigValue value = config.getValue(key);
        return value.valueType() == ConfigValueType.STRING && "auto".equals(((String) value.unwrapped()).strip());
    }

    /** A list of HTTP field names (RFC 9110 tokens). */
    private static List<String> fieldNames(Config config, String key) {
        ConfigValue value = config.getValue(key);
        if (value.valueType() != ConfigValueType.LIST) {
            throw bad(key, value, "expected a list of header field names such as \"CDN-Cache-Control\"");
        }
        List<String> names = new ArrayList<>();
        List<? extends ConfigValue> items = config.getList(key);
        for (int i = 0; i < items.size(); i++) {
            ConfigValue item = items.get(i);
            if (item.valueType() != ConfigValueType.STRING || !((String) item.unwrapped()).matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
                throw bad(key + "[" + i + "]", item, "expected a header field name such as \"CDN-Cache-Control\"");
            }
            names.add((String) item.unwrapped());
        }
        return names;
    }

    private static List<Cidr> cidrs(Config config, String key) {
        ConfigValue value = config.getValue(key);
        if (value.valueType() != ConfigValueType.LIST) {
            throw bad(key, value, "expected a list of address blocks such as \"127.0.0.0/8\"");
        }
        List<Cidr> blocks = new ArrayList<>();
        List<? extends ConfigValue> items = config.getList(key);
        for (int i = 0; i < items.size(); i++) {
            ConfigValue item = items.get(i);
            String itemKey = key + "[" + i + "]";
            if (item.valueType() != ConfigValueType.STRING) {
                throw bad(itemKey, item, "expected an address block such as \"10.0.0.0/8\"");
            }
            try {
                blocks.add(Cidr.parse((String) item.unwrapped()));
            } catch (IllegalArgumentException e) {
                throw bad(itemKey, item, e.getMessage());
            }
        }
        return blocks;
    }

    /** host → origin; a dotted host must be quoted, or HOCON reads it as nested keys. */
    private static Map<String, InetSocketAddress> accelerate(Config config, String key) {
        ConfigValue value = config.getValue(key);
        if (value.valueType() != ConfigValueType.OBJECT) {
            throw bad(key, value, "expected an object of \"host\" = \"HOST:PORT\"");
        }
        Map<String, InetSocketAddress> origins = new TreeMap<>();
        for (Map.Entry<String, ConfigValue> entry : ((ConfigObject) value).entrySet()) {
            String host = entry.getKey();
            String entryKey = ConfigUtil.joinPath("http", "accelerate", host);
            if (entry.getValue().valueType() == ConfigValueType.OBJECT) {
                throw bad(entryKey, entry.getValue(),
                        "quote host names that contain dots: \"www.example.com\" = \"10.0.0.1:80\"");
            }
            if (entry.getValue().valueType() != ConfigValueType.STRING) {
                throw bad(entryKey, entry.getValue(), "expected \"HOST:PORT\" of the origin");
            }
            origins.put(host.toLowerCase(Locale.ROOT), socketAddress(entryKey, entry.getValue()));
        }
        return origins;
    }

    private static Optional<Path> optionalPath(Config config, String key) {
        String text = string(config, key).strip();
        return text.isEmpty() ? Optional.empty() : Optional.of(Path.of(text));
    }

    private static Duration positiveDuration(Config config, String key) {
        Duration duration;
        try {
            duration = config.getDuration(key);
        } catch (ConfigException.BadValue | ConfigException.WrongType e) {
            throw bad(key, config.getValue(key), "expected a duration such as 5s or 250ms");
        }
        if (duration.isNegative() || duration.isZero()) {
            throw bad(key, config.getValue(key), "must be positive");
        }
        return duration;
    }

    private static Duration nonNegativeDuration(Config config, String key) {
        Duration duration;
        try {
            duration = config.getDuration(key);
        } catch (ConfigException.BadValue | ConfigException.WrongType e) {
            throw bad(key, config.getValue(key), "expected a duration such as 5s or 250ms (0 for none)");
        }
        if (duration.isNegative()) {
            throw bad(key, config.getValue(key), "must not be negative");
        }
        return duration;
    }

    private static int positiveInt(Config config, String key) {
        int number = nonNegativeInt(config, key);
        if (number == 0) {
            throw bad(key, config.getValue(key), "must be at least 1");
        }
        return number;
    }

    private static long bytes(Config config, String key, long min, long max) {
        long bytes;
        try {
            bytes = config.getBytes(key);
        } catch (ConfigException.BadValue | ConfigException.WrongType e) {
            String text = String.valueOf(config.getValue(key).unwrapped()).strip();
            throw bad(key, config.getValue(key), text.startsWith("-") ? "must not be negative"
                    : "expected a size such as 4m or 65536");
        }
        if (bytes < min || bytes > max) {
            throw bad(key, config.getValue(key), "must be within " + min + ".." + max + " bytes");
        }
        return bytes;
    }

    private static List<PolicySettings> policies(Config config) {
        ConfigValue value = config.getValue(POLICIES);
        if (value.valueType() != ConfigValueType.OBJECT) {
            throw bad(POLICIES, value, "expected an object of name -> { type = ..., settings }");
        }
        Map<String, PolicySettings> byName = new TreeMap<>();
        for (Map.Entry<String, ConfigValue> entry : ((ConfigObject) value).entrySet()) {
            String name = entry.getKey();
            String key = ConfigUtil.joinPath("icp", "policies", name);
            if (entry.getValue().valueType() == ConfigValueType.NULL) {
                continue; // removed by the operator
            }
            if (entry.getValue().valueType() != ConfigValueType.OBJECT) {
                throw bad(key, entry.getValue(), "expected { type = ..., settings }");
            }
            Config block = ((ConfigObject) entry.getValue()).toConfig();
            if (!block.hasPath("type")) {
                throw new SettingsException(key, key + ".type: missing (" + origin(entry.getValue())
                        + "); every policy needs a type");
            }
            byName.put(name, new PolicySettings(key, name, block));
        }
        return List.copyOf(byName.values());
    }

    private static List<InetSocketAddress> listen(Config config, String key) {
        return listen(config, key, false);
    }

    private static final Set<String> LEVELS = Set.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF");

    private static Map<String, String> logLevels(Config config, String key) {
        Map<String, String> levels = new TreeMap<>();
        for (Map.Entry<String, ConfigValue> entry : config.getObject(key).entrySet()) {
            String entryKey = ConfigUtil.joinPath("node", "log-levels", entry.getKey());
            ConfigValue value = entry.getValue();
            if (value.valueType() != ConfigValueType.STRING
                    || !LEVELS.contains(value.unwrapped().toString().toUpperCase(Locale.ROOT))) {
                throw bad(entryKey, value, "expected one of " + new TreeSet<>(LEVELS));
            }
            levels.put(entry.getKey(), value.unwrapped().toString().toUpperCase(Locale.ROOT));
        }
        return levels;
    }

    /** @param mayBeEmpty whether no address at all is allowed (the listener is then off) */
    private static List<InetSocketAddress> listen(Config config, String key, boolean mayBeEmpty) {
        ConfigValue value = config.getValue(key);
        if (value.valueType() == ConfigValueType.STRING) {
            return List.of(socketAddress(key, value)); // one address, as SIBYL_ICP_LISTEN=127.0.0.1:3130 gives
        }
        if (value.valueType() != ConfigValueType.LIST) {
            throw bad(key, value, "expected a list of \"HOST:PORT\"");
        }
        List<InetSocketAddress> addresses = new ArrayList<>();
        List<? extends ConfigValue> items = config.getList(key);
        if (items.isEmpty() && !mayBeEmpty) {
            throw bad(key, value, "needs at least one address");
        }
        for (int i = 0; i < items.size(); i++) {
            ConfigValue item = items.get(i);
            String itemKey = key + "[" + i + "]";
            if (item.valueType() != ConfigValueType.STRING) {
                throw bad(itemKey, item, "expected \"HOST:PORT\"");
            }
            addresses.add(socketAddress(itemKey, item));
        }
        return addresses;
    }

    private static InetSocketAddress socketAddress(String key, ConfigValue value) {
        try {
            return HostPort.parse((String) value.unwrapped());
        } catch (IllegalArgumentException e) {
            throw bad(key, value, e.getMessage());
        }
    }

    private static String string(Config config, String key) {
        ConfigValue value = config.getValue(key);
        if (value.valueType() != ConfigValueType.STRING) {
            throw bad(key, value, "expected a string");
        }
        return (String) value.unwrapped();
    }

    private static boolean bool(Config config, String key) {
        try {
            return config.getBoolean(key);
        } catch (ConfigException.WrongType e) {
            throw bad(key, config.getValue(key), "expected true or false");
        }
    }

    private static int nonNegativeInt(Config config, String key) {
        int number;
        try {
            number = config.getInt(key);
        } catch (ConfigException.WrongType e) {
            throw bad(key, config.getValue(key), "expected a whole number");
        }
        if (number < 0) {
            throw bad(key, config.getValue(key), "must not be negative");
        }
        return number;
    }


    /** "icp.threads = -1 (/etc/sibyl.conf: 12): must not be negative" */
    static SettingsException bad(String key, ConfigValue value, String why) {
        String rendered = value.render(ConfigRenderOptions.concise());
        return new SettingsException(key, key + " = " + rendered + " (" + origin(value) + "): " + why);
    }

    private static String origin(ConfigValue value) {
        return value.origin().description();
    }

    /** Keys the operator set that Sibyl does not know are typos: fail rather than ignore them. */
    private static void rejectUnknownKeys(Config operator, Config reference) {
        for (Map.Entry<String, ConfigValue> entry : operator.entrySet()) {
            String key = entry.getKey();
            if (key.startsWith(POLICIES + ".") || key.startsWith(ACCELERATE + ".") || key.startsWith(LOG_LEVELS + ".")) {
                continue;
            }
            if (!reference.hasPathOrNull(key)) {
                throw new SettingsException(key, key + ": unknown setting (" + origin(entry.getValue())
                        + "); see reference.conf for the settings Sibyl reads");
            }
        }
    }

    /**
     * The SIBYL_* variables that name a setting of one of {@code sections} (SIBYL_ICP_...,
     * SIBYL_NODE_...): a typo there is caught like one in a file, while variables such as
     * SIBYL_HOME, which scripts around Sibyl may set, are left alone.
     */
    private static Config fromEnvironment(Map<String, String> environment, java.util.Set<String> sections) {
        Config overrides = ConfigFactory.empty();
        for (Map.Entry<String, String> variable : new TreeMap<>(environment).entrySet()) {
            String name = variable.getKey();
            if (!name.startsWith(ENV_PREFIX) || name.length() == ENV_PREFIX.length()) {
                continue;
            }
            String key = keyOf(name.substring(ENV_PREFIX.length()));
            int dot = key.indexOf('.');
            if (dot < 0 || !sections.contains(key.substring(0, dot))) {
                continue;
            }
            String description = "environment variable " + name;
            String text = variable.getValue().strip();
            ConfigValue value;
            if (text.startsWith("[") || text.startsWith("{")) {
                try {
                    value = ConfigFactory.parseString("v = " + text,
                            ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF).setOriginDescription(description))
                            .getValue("v");
                } catch (ConfigException e) {
                    throw new SettingsException(name + ": not a HOCON list or object: " + e.getMessage(), e);
                }
            } else {
                value = ConfigValueFactory.fromAnyRef(variable.getValue(), description);
            }
            try {
                overrides = overrides.withValue(key, value);
            } catch (ConfigException e) {
                throw new SettingsException(name + ": does not name a setting (" + e.getMessage() + ")", e);
            }
        }
        return overrides;
    }

    /** ICP_RECEIVE__BUFFER -> icp.receive-buffer */
    static String keyOf(String variable) {
        return variable.toLowerCase(Locale.ROOT).replace("__", "\u0000").replace('_', '.').replace('\u0000', '-');
    }
}
