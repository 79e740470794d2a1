package sibyl.bench.hitratio;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * The traces the benchmark ships, generated from a seed (nothing is downloaded):
 * <dl>
 *   <dt>{@code zipf-A}</dt><dd>{@code requests} requests for {@code objects} objects whose
 *       popularity follows Zipf's law with exponent A (0.7, 0.9 and 1.1 in the results);</dd>
 *   <dt>{@code scan}</dt><dd>the Zipf 0.9 load with scans through it: every 20 L requests, L
 *       objects never asked for before (L = objects / 4), one after each request of the load;</dd>
 *   <dt>{@code one-hit-wonders}</dt><dd>the Zipf 0.9 load where 30% of requests are for objects
 *       asked for once and never again;</dd>
 *   <dt>{@code shift}</dt><dd>working sets that move on: {@code sets} sets of {@code objects}
 *       objects of {@code objectSize} bytes, each asked for {@code rounds} rounds in a row, in a
 *       new random order each round.</dd>
 * </dl>
 * Sizes, but for {@code shift}'s, follow {@link SizeMix}.
 */
final class SyntheticTrace implements Trace {
    /** The names {@link #named} knows. */
    static final List<String> NAMES = List.of("zipf-0.7", "zipf-0.9", "zipf-1.1", "scan", "one-hit-wonders", "shift");

    /** How big the Zipf traces are. */
    record Shape(int objects, long requests, long seed, SizeMix sizes) {}

    /** How the shifting sets go. */
    record Sets(int sets, int objects, int rounds, long objectSize, long seed) {}

    private interface Generator {
        /** Fills {@code request} ([id, size]) with the next request; false at the end. */
        boolean next(long[] request);
    }

    private final String name;
    private final int window;
    private final int windowsPerGroup;
    private final Supplier<Generator> generators;

    private SyntheticTrace(String name, int window, int windowsPerGroup, Supplier<Generator> generators) {
        this.name = name;
        this.window = window;
        this.windowsPerGroup = windowsPerGroup;
        this.generators = generators;
    }

    /** The trace called {@code name} (one of {@link #NAMES}). */
    static SyntheticTrace named(String name, Shape shape, Sets sets) {
        if (name.startsWith("zipf-")) {
            double exponent;
            try {
                exponent = Double.parseDouble(name.substring("zipf-".length()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("trace " + name + ": the exponent after zipf- is not a number");
            }
            return zipf(name, exponent, shape, 0, 0);
        }
        return switch (name) {
            case "scan" -> zipf(name, 0.9, shape, Math.max(1, shape.objects() / 4), 0);
            case "one-hit-wonders" -> zipf(name, 0.9, shape, 0, 0.3);
            case "shift" -> shift(sets);
            default -> throw new IllegalArgumentException("no trace called " + name + "; known: " + NAMES
                    + ", or file:PATH");
        };
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int window() {
        return window;
    }

    @Override
    public int windowsPerGroup() {
        return windowsPerGroup;
    }

    @Override
    public Requests open() {
        Generator generator = generators.get();
        long[] request = new long[2];
        return new Requests() {
            @Override
            public boolean next() {
                return generator.next(request);
            }

            @Override
            public long id() {
                return request[0];
            }

            @Override
            public long size() {
                return request[1];
            }

            @Override
            public void close() {}
        };
    }

    /**
     * Zipf({@code exponent}) over {@code shape.objects()}; with a scan of {@code scanLength} new
     * objects every {@code 20 * scanLength} requests (0: none), or a {@code wonders} share of
     * requests for objects asked for once.
     */
    private static SyntheticTrace zipf(String name, double exponent, Shape shape, int scanLength, double wonders) {
        if (shape.objects() < 1 || shape.requests() < 1) {
            throw new IllegalArgumentException("trace " + name + " needs at least one object and one request");
        }
        double[] cumulative = new double[shape.objects()];
        double sum = 0;
        for (int rank = 0; rank < cumulative.length; rank++) {
            sum += 1 / Math.pow(rank + 1, exponent);
            cumulative[rank] = sum;
        }
        double total = sum;
        long period = 20L * scanLength;
        return new SyntheticTrace(name, 0, 0, () -> new Generator() {
            final SplittableRandom random = new SplittableRandom(shape.seed());
            long emitted;
            long loadRequests;
            long nextNewId = 1L << 40; // far from the load's ids
            boolean scanTurn;

            @Override
            public boolean next(long[] request) {
                if (emitted++ >= shape.requests()) {
                    return false;
                }
                boolean scanning = scanLength > 0 && loadRequests % period < scanLength;
                if ((scanning && scanTurn) || (wonders > 0 && random.nextDouble() < wonders)) {
                    request[0] = nextNewId++;
                    scanTurn = false;
                } else {
                    int rank = Arrays.binarySearch(cumulative, random.nextDouble() * total);
                    request[0] = rank < 0 ? -rank - 1 : rank;
                    loadRequests++;
                    scanTurn = true;
                }
                request[1] = shape.sizes().sizeOf(request[0]);
                return true;
            }
        });
    }

    private static SyntheticTrace shift(Sets sets) {
        if (sets.sets() < 1 || sets.objects() < 1 || sets.rounds() < 1 || sets.objectSize() < 1) {
            throw new IllegalArgumentException("trace shift needs at least one set, object, round and byte");
        }
        return new SyntheticTrace("shift", sets.objects(), sets.rounds(), () -> new Generator() {
            final Random random = new Random(sets.seed());
            final List<Long> order = new ArrayList<>();
            int set;
            int round;
            int position = Integer.MAX_VALUE;

            @Override
            public boolean next(long[] request) {
                if (position >= order.size()) {
                    if (!startRound()) {
                        return false;
                    }
                }
                request[0] = order.get(position++);
                request[1] = sets.objectSize();
                return true;
            }

            private boolean startRound() {
                if (position != Integer.MAX_VALUE && ++round == sets.rounds()) {
                    round = 0;
                    set++;
                }
                if (set == sets.sets()) {
                    return false;
                }
                order.clear();
                for (long id = 0; id < sets.objects(); id++) {
                    order.add(set * 1_000_000_000L + id);
                }
                Collections.shuffle(order, random);
                position = 0;
                return true;
            }
        });
    }
}
