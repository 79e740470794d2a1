package sibyl.node.cache;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The secondary cache key of a response with Vary (RFC 9111 section 4.1): the request's values of
 * the header fields the response varies on, normalised so that requests that differ only in
 * whitespace or in how field lines were split share a variant.
 */
public final class VaryKey {
    /** The key of a response without Vary: every request matches it. */
    public static final String NONE = "";

    private static final Pattern WHITESPACE = Pattern.compile("[ \\t]+");

    private VaryKey() {}

    /** Whether the response carries {@code Vary: *}: it can never be reused. */
    public static boolean varyAny(HttpHeaders responseHeaders) {
        for (String field : fields(responseHeaders)) {
            if (field.equals("*")) {
                return true;
            }
        }
        return false;
    }

    /** The header names the response varies on: lower-cased, sorted, without duplicates. */
    public static List<String> fields(HttpHeaders responseHeaders) {
        TreeSet<String> names = new TreeSet<>();
        for (String line : responseHeaders.getAll(HttpHeaderNames.VARY)) {
            for (String name : line.split(",")) {
                String trimmed = name.strip().toLowerCase(Locale.ROOT);
                if (!trimmed.isEmpty()) {
                    names.add(trimmed);
                }
            }
        }
        return List.copyOf(names);
    }

    /**
     * The variant of {@code requestHeaders} for a response varying on {@code fields}: each field
     * name with the request's values, its lines joined, list elements trimmed and inner runs of
     * whitespace collapsed; a missing field differs from an empty one.
     */
    public static String of(List<String> fields, HttpHeaders requestHeaders) {
        if (fields.isEmpty()) {
            return NONE;
        }
        StringBuilder key = new StringBuilder();
        for (String field : fields) {
            key.append(field).append(':');
            List<String> lines = requestHeaders.getAll(field);
            if (lines.isEmpty()) {
                key.append('\u0000'); // absent: distinct from any value, the empty one included
            } else {
                List<String> elements = new ArrayList<>();
                for (String line : lines) {
                    for (String element : line.split(",")) {
                        String normalised = WHITESPACE.matcher(element.strip()).replaceAll(" ");
                        if (!normalised.isEmpty()) {
                            elements.add(normalised);
                        }
                    }
                }
                key.append(String.join(",", elements));
            }
            key.append('\n');
        }
        return key.toString();
    }
}
