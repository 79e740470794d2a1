package sibyl.node.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import sibyl.node.cache.CacheKey;

/**
 * What a successful unsafe request invalidates (RFC 9111 section 4.4): its own URL, and the
 * URLs its response's {@code Location} and {@code Content-Location} name, when they share the
 * request's origin (another origin's could be invalidated by anyone who can make a request).
 */
final class Invalidation {
    private Invalidation() {}

    /** The cache keys a successful unsafe request for {@code key} with {@code response} fields invalidates. */
    static List<String> keys(String key, HttpHeaders response) {
        List<String> keys = new ArrayList<>(3);
        keys.add(key);
        URI base;
        try {
            base = new URI(key);
        } catch (java.net.URISyntaxException e) {
            return keys;
        }
        for (CharSequence field : new CharSequence[] {HttpHeaderNames.LOCATION, HttpHeaderNames.CONTENT_LOCATION}) {
            String value = response.get(field);
            if (value == null) {
                continue;
            }
            try {
                URI named = base.resolve(value.strip());
                if (sameOrigin(base, named)) {
                    String other = CacheKey.of(named.toString());
                    if (!keys.contains(other)) {
                        keys.add(other);
                    }
                }
            } catch (IllegalArgumentException notAUri) {
                // the origin's mistake: nothing more to invalidate
            }
        }
        return keys;
    }

    private static boolean sameOrigin(URI a, URI b) {
        return a.getScheme() != null && a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost() != null
                && b.getHost() != null && a.getHost().toLowerCase(Locale.ROOT).equals(b.getHost().toLowerCase(Locale.ROOT))
                && port(a) == port(b);
    }

    private static int port(URI uri) {
        if (uri.getPort() >= 0) {
            return uri.getPort();
        }
        return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }
}
