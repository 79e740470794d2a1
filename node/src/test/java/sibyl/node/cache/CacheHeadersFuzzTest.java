package sibyl.node.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import sibyl.icp.wire.FuzzDuration;

/**
 * Parses an arbitrary header section, one {@code name: value} field a line, as a response's
 * and as a request's: its Cache-Control ({@link CacheControl}), the freshness that Date,
 * Expires, Age, Last-Modified and Cache-Control give ({@link Freshness}), and its Vary and the
 * variant key it selects ({@link VaryKey}).
 *
 * <p>Checks that nothing throws; that Cache-Control's lines parse to what each line parses to,
 * combined as a directive given twice is, that a line given twice parses as once, and that the
 * directives written back out parse to the same; that every number is absent or a non-negative
 * delta-seconds; that lifetimes and ages are non-negative and ages grow with time; that Vary's
 * fields are normalised and a request's variant key is the same however its field lines are
 * split at commas.
 *
 * <p>Regression mode runs the empty input and
 * {@code src/test/resources/sibyl/node/cache/CacheHeadersFuzzTestInputs/headersParseConsistently/};
 * {@code JAZZER_FUZZ} makes it fuzz for {@code sibyl.fuzz.seconds} seconds.
 */
class CacheHeadersFuzzTest {
    /** When the request was sent and its response arrived, on the cache's clock. */
    private static final long REQUEST_MILLIS = 1_764_000_000_000L;
    private static final long RESPONSE_MILLIS = REQUEST_MILLIS + 1_500;

    @BeforeAll
    static void boundFuzzingTime() {
        FuzzDuration.boundBySibylFuzzSeconds();
    }

    @FuzzTest(maxDuration = "20s")
    void headersParseConsistently(byte[] bytes) {
        HttpHeaders headers = headers(new String(bytes, StandardCharsets.ISO_8859_1));
        List<String> lines = headers.getAll(HttpHeaderNames.CACHE_CONTROL);

        CacheControl control = CacheControl.parse(lines);
        checkRanges(control);
        assertEquals(control, CacheControl.parse(lines), "parsing twice");
        CacheControl combined = CacheControl.NONE;
        for (String line : lines) {
            CacheControl alone = CacheControl.parse(line);
            combined = combine(combined, alone);
            if (line.indexOf('"') < 0) {
                assertEquals(alone, CacheControl.parse(line + ", " + line), () -> "given twice: " + line);
            }
        }
        assertEquals(combined, control, () -> "lines apart and together: " + lines);
        assertEquals(control, CacheControl.parse(written(control)), () -> "written out: " + written(control));

        for (int status : new int[] {200, 302, 404}) {
            checkFreshness(Freshness.of(status, headers, control, REQUEST_MILLIS, RESPONSE_MILLIS, Heuristics.RFC_SUGGESTED),
                    control, headers);
        }
        checkVary(headers);
    }

    /** The header section: one field a line, those that are not a valid field left out. */
    private static HttpHeaders headers(String text) {
        HttpHeaders headers = DefaultHttpHeadersFactory.headersFactory().newHeaders();
        for (String line : (Iterable<String>) text.lines()::iterator) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            try {
                headers.add(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
            } catch (IllegalArgumentException notAField) {
                // the decoder would have refused the message: not this parser's input
            }
        }
        return headers;
    }

    private static void checkRanges(CacheControl control) {
        for (long seconds : new long[] {control.maxAge(), control.sMaxAge(), control.minFresh(),
                control.staleWhileRevalidate(), control.staleIfError()}) {
            assertTrue(seconds == CacheControl.ABSENT || seconds >= 0 && seconds <= CacheControl.DELTA_SECONDS_CAP,
                    control::toString);
        }
        long maxStale = control.maxStale();
        assertTrue(maxStale == CacheControl.ABSENT || maxStale == Long.MAX_VALUE
                || maxStale >= 0 && maxStale <= CacheControl.DELTA_SECONDS_CAP, control::toString);
    }

    /** Two lines' directives as one: the smaller of two limits, the larger min-fresh. */
    private static CacheControl combine(CacheControl a, CacheControl b) {
        return new CacheControl(smaller(a.maxAge(), b.maxAge()), smaller(a.sMaxAge(), b.sMaxAge()),
                smaller(a.maxStale(), b.maxStale()), Math.max(a.minFresh(), b.minFresh()),
                a.noStore() || b.noStore(), a.noCache() || b.noCache(), a.isPrivate() || b.isPrivate(),
                a.isPublic() || b.isPublic(), a.mustRevalidate() || b.mustRevalidate(),
                a.proxyRevalidate() || b.proxyRevalidate(), a.onlyIfCached() || b.onlyIfCached(),
                union(a.noCacheFields(), b.noCacheFields()), union(a.privateFields(), b.privateFields()),
                a.mustUnderstand() || b.mustUnderstand(), smaller(a.staleWhileRevalidate(), b.staleWhileRevalidate()),
                smaller(a.staleIfError(), b.staleIfError()));
    }

    private static java.util.Set<String> union(java.util.Set<String> a, java.util.Set<String> b) {
        java.util.Set<String> both = new java.util.TreeSet<>(a);
        both.addAll(b);
        return both;
    }

    private static long smaller(long a, long b) {
        return a == CacheControl.ABSENT ? b : b == CacheControl.ABSENT ? a : Math.min(a, b);
    }

    /** The directives as a Cache-Control line, in the case and spacing of no particular sender. */
    private static String written(CacheControl control) {
        List<String> directives = new ArrayList<>();
        Map.of("Max-Age", control.maxAge(), "s-maxage", control.sMaxAge(), "MIN-FRESH", control.minFresh(),
                "Stale-While-Revalidate", control.staleWhileRevalidate(), "stale-if-error", control.staleIfError())
                .forEach((name, seconds) -> {
                    if (seconds != CacheControl.ABSENT) {
                        directives.add(name + "=" + seconds);
                    }
                });
        if (control.maxStale() == Long.MAX_VALUE) {
            directives.add("max-stale");
        } else if (control.maxStale() != CacheControl.ABSENT) {
            directives.add("max-stale=\"" + control.maxStale() + "\"");
        }
        String[] names = {"no-store", "no-cache", "private", "public", "must-revalidate", "proxy-revalidate",
            "only-if-cached", "must-understand"};
        boolean[] present = {control.noStore(), control.noCache(), control.isPrivate(), control.isPublic(),
            control.mustRevalidate(), control.proxyRevalidate(), control.onlyIfCached(), control.mustUnderstand()};
        if (!control.noCacheFields().isEmpty()) {
            directives.add("No-Cache=\"" + quoted(String.join(" , ", control.noCacheFields())) + "\"");
        }
        if (!control.privateFields().isEmpty()) {
            directives.add("private=\"" + quoted(String.join(",", control.privateFields())) + "\"");
        }
        for (int i = 0; i < names.length; i++) {
            if (present[i]) {
                directives.add(names[i]);
            }
        }
        return String.join(" ,\t", directives);
    }

    private static String quoted(String text) {
        return text.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    private static void checkFreshness(Freshness freshness, CacheControl control, HttpHeaders headers) {
        String context = freshness + " of " + headers;
        assertTrue(freshness.lifetimeSeconds() >= 0, context);
        assertTrue(freshness.initialAgeSeconds() >= 0, context);
        assertEquals(freshness.initialAgeSeconds(), freshness.currentAgeSeconds(RESPONSE_MILLIS), context);
        long previous = freshness.initialAgeSeconds();
        for (long later : new long[] {999, 1_000, 86_400_000L, 100L * 365 * 86_400_000L}) {
            long age = freshness.currentAgeSeconds(RESPONSE_MILLIS + later);
            assertTrue(age >= previous, context);
            previous = age;
            assertEquals(freshness.lifetimeSeconds() - age, freshness.freshForSeconds(RESPONSE_MILLIS + later), context);
        }
        assertTrue(freshness.currentAgeSeconds(RESPONSE_MILLIS - 10_000) == freshness.initialAgeSeconds(),
                "a clock gone back ages nothing: " + context);
        String age = headers.get(HttpHeaderNames.AGE);
        if (age != null) {
            assertTrue(freshness.initialAgeSeconds() >= CacheControl.deltaSeconds(age.strip()), context);
        }
        boolean explicit = control.sMaxAge() != CacheControl.ABSENT || control.maxAge() != CacheControl.ABSENT
                || headers.contains(HttpHeaderNames.EXPIRES);
        if (freshness.heuristic()) {
            assertTrue(!explicit && freshness.lifetimeSeconds() <= Heuristics.RFC_SUGGESTED.max().toSeconds(), context);
        }
        if (control.sMaxAge() != CacheControl.ABSENT) {
            assertEquals(control.sMaxAge(), freshness.lifetimeSeconds(), context);
        } else if (control.maxAge() != CacheControl.ABSENT) {
            assertEquals(control.maxAge(), freshness.lifetimeSeconds(), context);
        }
        assertEquals(control.mustRevalidate() || control.proxyRevalidate() || control.sMaxAge() != CacheControl.ABSENT,
                freshness.revalidateWhenStale(), context);
        assertEquals(control.noCache(), freshness.revalidateAlways(), context);
    }

    private static void checkVary(HttpHeaders headers) {
        List<String> fields = VaryKey.fields(headers);
        for (int i = 0; i < fields.size(); i++) {
            String field = fields.get(i);
            assertTrue(!field.isEmpty() && field.equals(field.strip()) && field.equals(field.toLowerCase(Locale.ROOT)),
                    fields::toString);
            assertTrue(i == 0 || fields.get(i - 1).compareTo(field) < 0, () -> "unsorted or repeated: " + fields);
        }
        assertEquals(fields.contains("*"), VaryKey.varyAny(headers), fields::toString);

        // The same header section as a request's, each field's lines split at every comma.
        String key = VaryKey.of(fields, headers);
        assertEquals(fields.isEmpty(), key.equals(VaryKey.NONE), key);
        HttpHeaders split = DefaultHttpHeadersFactory.headersFactory().newHeaders();
        for (Map.Entry<String, String> field : headers) {
            for (String element : field.getValue().split(",", -1)) {
                split.add(field.getKey(), element.strip());
            }
        }
        assertEquals(key, VaryKey.of(fields, split), () -> "split at commas: " + headers + " and " + split);
    }
}
