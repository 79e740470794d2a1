package sibyl.node.soak;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The soak's working set, known alike to its origin (which serves it) and its load (which checks
 * every body against it): objects of mixed sizes and kinds, each body a slice of one random block
 * chosen by the object, its version and its variant, so any byte out of place is seen.
 */
final class SoakObjects {
    /** How a response may be cached, as its Cache-Control header says. */
    enum Kind {
        /** max-age of 20 s to 5 min, with ETag and Last-Modified: hits, then revalidations. */
        FRESH,
        /** As FRESH and {@code Vary: Accept-Encoding}: a variant per encoding a client asks for. */
        VARY,
        /** {@code no-cache}: stored, but every hit revalidated with the origin. */
        REVALIDATE,
        /** {@code no-store}: every request goes to the origin (the large ones spliced). */
        NO_STORE,
        /** {@code private}: not for a shared cache. */
        PRIVATE
    }

    /** One object: its size, kind, freshness lifetime and how often its content changes (0: never). */
    record SoakObject(int id, int size, Kind kind, int maxAgeSeconds, int changeEverySeconds, int phaseSeconds) {
        /** The version served at {@code epochSecond}: it changes every {@code changeEverySeconds}. */
        long version(long epochSecond) {
            return changeEverySeconds == 0 ? 0 : (epochSecond + phaseSeconds) / changeEverySeconds;
        }

        /** When the version served at {@code epochSecond} began (its Last-Modified). */
        long modified(long epochSecond) {
            return changeEverySeconds == 0 ? START : version(epochSecond) * changeEverySeconds - phaseSeconds;
        }

        String cacheControl() {
            return switch (kind) {
                case FRESH, VARY -> "max-age=" + maxAgeSeconds;
                case REVALIDATE -> "no-cache";
                case NO_STORE -> "no-store";
                case PRIVATE -> "private, max-age=" + maxAgeSeconds;
            };
        }
    }

    /** The encodings clients ask for, each a variant of a VARY object. */
    static final List<String> ENCODINGS = List.of("gzip", "br", "identity");
    private static final long START = 1_700_000_000L;
    private static final int BLOCK = 8 << 20;

    private final List<SoakObject> objects;
    private final long totalBytes;
    private final byte[] block;

    private SoakObjects(List<SoakObject> objects, byte[] block) {
        this.objects = List.copyOf(objects);
        this.totalBytes = objects.stream().mapToLong(SoakObject::size).sum();
        this.block = block;
    }

    /** Objects of mixed sizes (0.5 KiB to 6 MiB, mean about 200 KiB) until they weigh {@code bytes}. */
    static SoakObjects weighing(long bytes, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<SoakObject> objects = new ArrayList<>();
        long total = 0;
        while (total < bytes) {
            double band = random.nextDouble();
            int size;
            if (band < 0.50) {
                size = random.nextInt(512, 16 << 10);
            } else if (band < 0.80) {
                size = random.nextInt(16 << 10, 256 << 10);
            } else if (band < 0.92) {
                size = random.nextInt(256 << 10, 384 << 10); // the pipe store's default band
            } else if (band < 0.99) {
                size = random.nextInt(384 << 10, 2 << 20);
            } else {
                size = random.nextInt(2 << 20, 6 << 20);
            }
            double k = random.nextDouble();
            Kind kind = k < 0.55 ? Kind.FRESH : k < 0.70 ? Kind.VARY : k < 0.80 ? Kind.REVALIDATE
                    : k < 0.95 ? Kind.NO_STORE : Kind.PRIVATE;
            int changeEvery = random.nextDouble() < 0.2 ? random.nextInt(60, 600) : 0;
            objects.add(new SoakObject(objects.size(), size, kind, random.nextInt(20, 300), changeEvery,
                    random.nextInt(0, 600)));
            total += size;
        }
        byte[] block = new byte[BLOCK];
        new SplittableRandom(seed ^ 0x5eed).nextBytes(block);
        return new SoakObjects(objects, block);
    }

    int count() {
        return objects.size();
    }

    long totalBytes() {
        return totalBytes;
    }

    SoakObject get(int id) {
        return objects.get(id);
    }

    /** The id in a path {@code /o/ID...}, or -1. */
    static int idOf(String path) {
        if (!path.startsWith("/o/")) {
            return -1;
        }
        int end = 3;
        while (end < path.length() && Character.isDigit(path.charAt(end))) {
            end++;
        }
        try {
            return end == 3 ? -1 : Integer.parseInt(path.substring(3, end));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The entity tag of a version and variant: it names all that the body is made of. */
    static String etag(int id, long version, int variant) {
        return "\"" + id + "." + version + "." + variant + "\"";
    }

    /** The body an entity tag names, from {@code from} for {@code length} bytes; null if it names none. */
    byte[] body(String etag, long from, int length) {
        String[] parts = etag == null ? new String[0] : etag.replace("\"", "").split("\\.");
        if (parts.length != 3) {
            return null;
        }
        int id = Integer.parseInt(parts[0]);
        if (id < 0 || id >= objects.size()) {
            return null;
        }
        return slice(id, Long.parseLong(parts[1]), Integer.parseInt(parts[2]), from, length);
    }

    /** Where in the block body (id, version, variant) starts. */
    private int start(int id, long version, int variant) {
        long h = id * 0x9E3779B97F4A7C15L + version * 0xC2B2AE3D27D4EB4FL + variant * 0x165667B19E3779F9L;
        h ^= h >>> 29;
        return (int) Math.floorMod(h, (long) BLOCK);
    }

    byte[] slice(int id, long version, int variant, long from, int length) {
        byte[] out = new byte[length];
        int at = (int) ((start(id, version, variant) + from) % BLOCK);
        int done = 0;
        while (done < length) {
            int n = Math.min(length - done, BLOCK - at);
            System.arraycopy(block, at, out, done, n);
            done += n;
            at = 0;
        }
        return out;
    }

    /** Writes the body's bytes [from, from + length) to {@code out}, without copying. */
    void write(java.io.OutputStream out, int id, long version, int variant, long from, long length) throws java.io.IOException {
        int at = (int) ((start(id, version, variant) + from) % BLOCK);
        long left = length;
        while (left > 0) {
            int n = (int) Math.min(left, BLOCK - at);
            out.write(block, at, n);
            left -= n;
            at = 0;
        }
    }

    /** Whether {@code got} is body (id, version, variant)'s bytes from {@code from}. */
    boolean matches(String etag, long from, byte[] got) {
        byte[] expected = body(etag, from, got.length);
        return expected != null && Arrays.equals(expected, got);
    }

    static long epochSecond() {
        return System.currentTimeMillis() / 1000;
    }
}
