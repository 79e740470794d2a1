package sibyl.node.cache;

import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * The Cache-Control directives a shared cache acts on (RFC 9111 section 5.2), from a request or a
 * response. Directive names are case-insensitive; unknown extensions are ignored; repeated
 * header lines count as one list.
 *
 * <p>A qualified {@code no-cache} or {@code private} ({@code no-cache="Set-Cookie"}) names fields
 * rather than the whole response (sections 5.2.2.4 and 5.2.2.7): the response may be stored, and
 * those fields are not ({@link #unsharedFields}). Given both ways, the unqualified one wins; an
 * empty list counts as unqualified. Where the RFC leaves a choice, the stricter reading is
 * taken: a delta-seconds that is not a number counts as 0, so the response is stale (section
 * 4.2.1 encourages this); a directive given twice takes its smaller value.
 *
 * @param maxAge seconds, or {@link #ABSENT}
 * @param sMaxAge seconds, or {@link #ABSENT}
 * @param maxStale seconds; {@link Long#MAX_VALUE} for {@code max-stale} without a value
 *     (any staleness); {@link #ABSENT}
 * @param minFresh seconds, or {@link #ABSENT}
 * @param noCache unqualified {@code no-cache}: every reuse needs a successful revalidation
 * @param isPrivate unqualified {@code private}: a shared cache stores nothing of it
 * @param noCacheFields the fields a qualified {@code no-cache} names, lower-case
 * @param privateFields the fields a qualified {@code private} names, lower-case
 * @param mustUnderstand {@code must-understand}: stored only by a cache that understands the
 *     status code, even with {@code no-store} (section 5.2.2.3)
 * @param staleWhileRevalidate RFC 5861's seconds a stale response may be served while it is
 *     revalidated, or {@link #ABSENT}
 * @param staleIfError RFC 5861's seconds a stale response may be served when its origin fails,
 *     or {@link #ABSENT}
 */
public record CacheControl(
        long maxAge,
        long sMaxAge,
        long maxStale,
        long minFresh,
        boolean noStore,
        boolean noCache,
        boolean isPrivate,
        boolean isPublic,
        boolean mustRevalidate,
        boolean proxyRevalidate,
        boolean onlyIfCached,
        Set<String> noCacheFields,
        Set<String> privateFields,
        boolean mustUnderstand,
        long staleWhileRevalidate,
        long staleIfError) {

    /** A directive that is not there. */
    public static final long ABSENT = -1;

    /** What "delta-seconds" larger than this means: RFC 9111 section 1.2.2. */
    static final long DELTA_SECONDS_CAP = 2_147_483_648L;

    public static final CacheControl NONE = new CacheControl(ABSENT, ABSENT, ABSENT, ABSENT, false, false, false, false,
            false, false, false, Set.of(), Set.of(), false, ABSENT, ABSENT);

    public CacheControl {
        noCacheFields = noCache ? Set.of() : Set.copyOf(noCacheFields);
        privateFields = isPrivate ? Set.of() : Set.copyOf(privateFields);
    }

    /**
     * The fields a shared cache must not send from what it stored: those a qualified
     * {@code private} or {@code no-cache} names. Sibyl does not store them at all, which
     * satisfies both (a stored no-cache field could only be sent after a revalidation).
     */
    public Set<String> unsharedFields() {
        if (noCacheFields.isEmpty()) {
            return privateFields;
        }
        if (privateFields.isEmpty()) {
            return noCacheFields;
        }
        Set<String> both = new java.util.HashSet<>(noCacheFields);
        both.addAll(privateFields);
        return both;
    }

    /** Parses the values of every Cache-Control line of a message, in order. */
    public static CacheControl parse(Iterable<String> headerValues) {
        Builder builder = new Builder();
        for (String value : headerValues) {
            parseLine(value, builder);
        }
        return builder.build();
    }

    /** Parses one Cache-Control line. */
    public static CacheControl parse(String headerValue) {
        Builder builder = new Builder();
        parseLine(headerValue, builder);
        return builder.build();
    }

    private static void parseLine(String line, Builder builder) {
        int i = 0;
        int length = line.length();
        while (i < length) {
            while (i < length && (line.charAt(i) == ',' || isSpace(line.charAt(i)))) {
                i++;
            }
            int nameStart = i;
            while (i < length && line.charAt(i) != '=' && line.charAt(i) != ',' && !isSpace(line.charAt(i))) {
                i++;
            }
            String name = line.substring(nameStart, i).toLowerCase(Locale.ROOT);
            while (i < length && isSpace(line.charAt(i))) {
                i++;
            }
            String argument = null;
            if (i < length && line.charAt(i) == '=') {
                i++;
                while (i < length && isSpace(line.charAt(i))) {
                    i++;
                }
                if (i < length && line.charAt(i) == '"') {
                    StringBuilder quoted = new StringBuilder();
                    i++;
                    while (i < length && line.charAt(i) != '"') {
                        if (line.charAt(i) == '\\' && i + 1 < length) {
                            i++;
                        }
                        quoted.append(line.charAt(i++));
                    }
                    i++; // the closing quote, if any
                    argument = quoted.toString();
                } else {
                    int argumentStart = i;
                    while (i < length && line.charAt(i) != ',' && !isSpace(line.charAt(i))) {
                        i++;
                    }
                    argument = line.substring(argumentStart, i);
                }
            }
            // Anything after the directive up to the next comma is malformed noise: skip it.
            while (i < length && line.charAt(i) != ',') {
                i++;
            }
            if (!name.isEmpty()) {
                builder.directive(name, argument);
            }
        }
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t';
    }

    /** delta-seconds: digits, capped; anything else is 0 (stale), as RFC 9111 encourages. */
    static long deltaSeconds(String argument) {
        if (argument == null || argument.isEmpty()) {
            return 0;
        }
        long seconds = 0;
        for (int i = 0; i < argument.length(); i++) {
            char c = argument.charAt(i);
            if (c < '0' || c > '9') {
                return 0;
            }
            seconds = Math.min(DELTA_SECONDS_CAP, seconds * 10 + (c - '0'));
        }
        return seconds;
    }

    private static final class Builder {
        long maxAge = ABSENT;
        long sMaxAge = ABSENT;
        long maxStale = ABSENT;
        long minFresh = ABSENT;
        boolean noStore;
        boolean noCache;
        boolean isPrivate;
        boolean isPublic;
        boolean mustRevalidate;
        boolean proxyRevalidate;
        boolean onlyIfCached;
        boolean mustUnderstand;
        long staleWhileRevalidate = ABSENT;
        long staleIfError = ABSENT;
        final Set<String> noCacheFields = new TreeSet<>();
        final Set<String> privateFields = new TreeSet<>();

        /** Adds the field names of a qualified directive's list; false if it has none (unqualified). */
        private static boolean fieldNames(String argument, Set<String> names) {
            if (argument == null) {
                return false;
            }
            boolean any = false;
            for (String name : argument.split(",")) {
                String field = name.strip().toLowerCase(Locale.ROOT);
                if (!field.isEmpty()) {
                    names.add(field);
                    any = true;
                }
            }
            return any;
        }

        void directive(String name, String argument) {
            switch (name) {
                case "max-age" -> maxAge = smaller(maxAge, deltaSeconds(argument));
                case "s-maxage" -> sMaxAge = smaller(sMaxAge, deltaSeconds(argument));
                case "max-stale" -> maxStale = smaller(maxStale, argument == null ? Long.MAX_VALUE : deltaSeconds(argument));
                case "min-fresh" -> minFresh = Math.max(minFresh, deltaSeconds(argument));
                case "no-store" -> noStore = true;
                case "no-cache" -> noCache |= !fieldNames(argument, noCacheFields);
                case "private" -> isPrivate |= !fieldNames(argument, privateFields);
                case "must-understand" -> mustUnderstand = true;
                case "stale-while-revalidate" -> staleWhileRevalidate = smaller(staleWhileRevalidate, deltaSeconds(argument));
                case "stale-if-error" -> staleIfError = smaller(staleIfError, deltaSeconds(argument));
                case "public" -> isPublic = true;
                case "must-revalidate" -> mustRevalidate = true;
                case "proxy-revalidate" -> proxyRevalidate = true;
                case "only-if-cached" -> onlyIfCached = true;
                default -> { } // extensions this cache does not understand are ignored (section 5.2.3)
            }
        }

        private static long smaller(long current, long value) {
            return current == ABSENT ? value : Math.min(current, value);
        }

        CacheControl build() {
            return new CacheControl(maxAge, sMaxAge, maxStale, minFresh, noStore, noCache, isPrivate, isPublic,
                    mustRevalidate, proxyRevalidate, onlyIfCached, noCacheFields, privateFields, mustUnderstand,
                    staleWhileRevalidate, staleIfError);
        }
    }
}
