package sibyl.bench.hitratio;

import java.util.ArrayList;
import java.util.List;

/** What one cache made of one trace: hits over requests, hit bytes over requested bytes, hits per window. */
final class Tally {
    private final String cache;
    private final int window;
    private final int windowsPerGroup;
    private final List<Long> windowHits = new ArrayList<>();
    private long requests;
    private long hits;
    private long bytes;
    private long hitBytes;
    private long hitsThisWindow;
    private long cutShort;

    /**
     * @param window requests per window whose hits are listed apart (0: none)
     * @param windowsPerGroup windows per group in that list (the rounds of one set)
     */
    Tally(String cache, int window, int windowsPerGroup) {
        this.cache = cache;
        this.window = window;
        this.windowsPerGroup = windowsPerGroup;
    }

    void count(long size, boolean hit) {
        requests++;
        bytes += size;
        if (hit) {
            hits++;
            hitBytes += size;
            hitsThisWindow++;
        }
        if (window > 0 && requests % window == 0) {
            windowHits.add(hitsThisWindow);
            hitsThisWindow = 0;
        }
    }

    /** The cache cut the current request's response short (it is counted as a miss too). */
    void cutShort() {
        cutShort++;
    }

    String cache() {
        return cache;
    }

    long requests() {
        return requests;
    }

    long bytes() {
        return bytes;
    }

    double objectRatio() {
        return requests == 0 ? 0 : (double) hits / requests;
    }

    double byteRatio() {
        return bytes == 0 ? 0 : (double) hitBytes / bytes;
    }

    /** Hits per window, groups apart: "0 200 200 200 | 0 200 ...". */
    String windows() {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < windowHits.size(); i++) {
            if (i > 0) {
                text.append(windowsPerGroup > 0 && i % windowsPerGroup == 0 ? " | " : " ");
            }
            text.append(windowHits.get(i));
        }
        return text.toString();
    }

    /** One line of the results table. */
    String line() {
        String line = String.format("%-28s %10d %8.4f %8.4f", cache, requests, objectRatio(), byteRatio());
        if (cutShort > 0) {
            line += "   responses cut short: " + cutShort;
        }
        return window > 0 ? line + "   hits per round: " + windows() : line;
    }

    static String header() {
        return String.format("%-28s %10s %8s %8s", "cache", "requests", "objects", "bytes");
    }
}
