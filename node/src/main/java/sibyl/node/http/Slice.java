package sibyl.node.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import sibyl.node.cache.CacheKey;

/**
 * One aligned part of a URL's representation ({@code cache.slice-size}): what a range miss asks
 * the origin for, and stores as an entry of its own.
 *
 * @param url the URL's cache key
 * @param index which slice: it starts at {@code index * size}
 * @param size the slice size; the last slice of a representation is shorter
 */
record Slice(String url, long index, long size) {

    /** The slice whose bytes include {@code offset}. */
    static Slice at(String url, long offset, long size) {
        return new Slice(url, offset / size, size);
    }

    /** Its cache key. */
    String key() {
        return CacheKey.slice(url, index);
    }

    /** Its first byte's offset in the representation. */
    long first() {
        return index * size;
    }

    /** The slice after this one. */
    Slice next() {
        return new Slice(url, index + 1, size);
    }

    /** The Range field that asks an origin for it. */
    String range() {
        return "bytes=" + first() + "-" + (first() + size - 1);
    }

    /**
     * The representation's length, if {@code headers} describe exactly this slice of it (a 206's
     * or a stored slice's Content-Range: this slice's first byte, and its last one or the
     * representation's); -1 if they do not.
     */
    long totalIn(HttpHeaders headers) {
        String field = headers.get(HttpHeaderNames.CONTENT_RANGE);
        if (field == null || !field.regionMatches(true, 0, "bytes ", 0, 6)) {
            return -1;
        }
        int dash = field.indexOf('-', 6);
        int slash = field.indexOf('/', dash + 1);
        if (dash < 0 || slash < 0) {
            return -1;
        }
        try {
            long from = Long.parseLong(field.substring(6, dash).strip());
            long to = Long.parseLong(field.substring(dash + 1, slash).strip());
            long total = Long.parseLong(field.substring(slash + 1).strip());
            boolean exact = from == first() && to < total && to == Math.min(first() + size, total) - 1;
            return exact ? total : -1;
        } catch (NumberFormatException e) {
            return -1; // "*" for an unknown length among them: no slice of a representation to store
        }
    }

    /** Whether a response whose {@link #totalIn} is {@code total} is the whole representation. */
    boolean whole(long total) {
        return index == 0 && total <= size;
    }
}
