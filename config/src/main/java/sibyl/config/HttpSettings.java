package sibyl.config;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import sibyl.icp.policy.builtin.Cidr;

/**
 * The HTTP proxy's settings; see {@code reference.conf} for each one's meaning.
 *
 * @param accelerate host name (lower case) → origin for origin-form requests; {@code "*"} is
 *     the origin for any other host; empty: accelerator mode is off
 * @param dropRules the {@code drop} rule file, if any
 * @param nocacheRules the {@code nocache} rule file, if any
 * @param accessLog where the access log goes, if anywhere
 * @param limits what clients may hold of the node
 * @param targetedCacheControl the targeted Cache-Control fields (RFC 9213) the node obeys in
 *     accelerator mode, first present first; empty: none
 */
public record HttpSettings(
        List<InetSocketAddress> listen,
        int threads,
        boolean nativeTransport,
        List<Cidr> allow,
        List<Cidr> purgeAllow,
        Map<String, InetSocketAddress> accelerate,
        Optional<Path> dropRules,
        Optional<Path> nocacheRules,
        Duration rulesReloadInterval,
        Optional<Path> accessLog,
        HttpLimits limits,
        List<String> targetedCacheControl) {

    public HttpSettings {
        listen = List.copyOf(listen);
        allow = List.copyOf(allow);
        purgeAllow = List.copyOf(purgeAllow);
        accelerate = Map.copyOf(accelerate);
        Objects.requireNonNull(dropRules, "dropRules");
        Objects.requireNonNull(nocacheRules, "nocacheRules");
        Objects.requireNonNull(accessLog, "accessLog");
        Objects.requireNonNull(rulesReloadInterval, "rulesReloadInterval");
        Objects.requireNonNull(limits, "limits");
        targetedCacheControl = List.copyOf(targetedCacheControl);
    }
}
