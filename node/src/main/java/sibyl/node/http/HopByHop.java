package sibyl.node.http;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The header fields that belong to one connection (RFC 9110 section 7.6.1) and so are never
 * forwarded or stored: the fixed ones, and every field the message's Connection header names.
 * Framing ({@code Content-Length}, {@code Transfer-Encoding}) is set afresh for each connection.
 */
final class HopByHop {
    private static final List<CharSequence> FIELDS = List.of(
            HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE, HttpHeaderNames.PROXY_CONNECTION,
            HttpHeaderNames.PROXY_AUTHENTICATE, HttpHeaderNames.PROXY_AUTHORIZATION, HttpHeaderNames.TE,
            HttpHeaderNames.TRAILER, HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.UPGRADE,
            HttpHeaderNames.CONTENT_LENGTH);

    private HopByHop() {}

    /** A copy of {@code headers} without the connection's own fields. */
    static HttpHeaders withoutHopByHop(HttpHeaders headers) {
        HttpHeaders copy = new DefaultHttpHeaders(false);
        List<String> named = connectionNamed(headers);
        for (Map.Entry<String, String> field : headers) {
            if (!isHopByHop(field.getKey(), named)) {
                copy.add(field.getKey(), field.getValue());
            }
        }
        return copy;
    }

    private static boolean isHopByHop(String name, List<String> named) {
        for (CharSequence field : FIELDS) {
            if (field.toString().equalsIgnoreCase(name)) {
                return true;
            }
        }
        return !named.isEmpty() && named.contains(name.toLowerCase(Locale.ROOT));
    }

    private static List<String> connectionNamed(HttpHeaders headers) {
        List<String> lines = headers.getAll(HttpHeaderNames.CONNECTION);
        if (lines.isEmpty()) {
            return List.of();
        }
        List<String> names = new java.util.ArrayList<>();
        for (String line : lines) {
            for (String token : line.split(",")) {
                String name = token.strip().toLowerCase(Locale.ROOT);
                if (!name.isEmpty()) {
                    names.add(name);
                }
            }
        }
        return names;
    }
}
