package sibyl.node.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;

/**
 * Targeted Cache-Control fields (RFC 9213), in accelerator mode: the first of {@code names} a
 * response carries with a non-empty value is the node's caching policy, in place of its
 * Cache-Control and Expires; and every field named is the node's alone, never passed on.
 */
record TargetedControl(List<String> names) {
    static final TargetedControl NONE = new TargetedControl(List.of());

    TargetedControl {
        names = List.copyOf(names);
    }

    /**
     * The fields the cache decides on for a response with {@code headers}: {@code headers} itself
     * when no targeted field applies; else a copy whose Cache-Control is the targeted field's
     * value, without Expires or the targeted fields.
     */
    HttpHeaders policy(HttpHeaders headers) {
        for (String name : names) {
            String value = headers.get(name);
            if (value != null && !value.isBlank()) {
                HttpHeaders policy = headers.copy();
                policy.set(HttpHeaderNames.CACHE_CONTROL, headers.getAll(name));
                policy.remove(HttpHeaderNames.EXPIRES);
                names.forEach(policy::remove);
                return policy;
            }
        }
        return headers;
    }

    /** Removes the targeted fields from {@code headers} (passed on, or stored to be passed on). */
    void strip(HttpHeaders headers) {
        names.forEach(headers::remove);
    }
}
