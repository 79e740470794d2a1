package sibyl.bench.hitratio;

import java.util.SplittableRandom;

/**
 * Object sizes as a CDN sees them, many small and few large, unrelated to popularity: 60% of
 * objects take 1-16 KiB, 30% 16-256 KiB, 8% 256 KiB-2 MiB and 2% 2-32 MiB, log-uniform within
 * each band (a mean of about 330 KiB: the few large objects hold most of the bytes). Each size is
 * divided by {@code divisor}, so that an HTTP run moves less data.
 */
record SizeMix(long seed, int divisor) {
    private static final double[] SHARES = {0.60, 0.90, 0.98, 1.0};
    private static final double[] LOW = {1 << 10, 16 << 10, 256 << 10, 2 << 20};
    private static final double[] HIGH = {16 << 10, 256 << 10, 2 << 20, 32 << 20};

    SizeMix {
        if (divisor < 1) {
            throw new IllegalArgumentException("size divisor " + divisor + " is not a positive number");
        }
    }

    /** The size of object {@code id}: always the same for the same id and seed. */
    long sizeOf(long id) {
        SplittableRandom random = new SplittableRandom(id * 0x9E37_79B9_7F4A_7C15L ^ seed);
        double share = random.nextDouble();
        int band = 0;
        while (share >= SHARES[band]) {
            band++;
        }
        double size = Math.exp(Math.log(LOW[band]) + random.nextDouble() * (Math.log(HIGH[band]) - Math.log(LOW[band])));
        return Math.max(1, Math.round(size / divisor));
    }
}
