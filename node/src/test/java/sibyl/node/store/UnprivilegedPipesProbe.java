package sibyl.node.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import sibyl.node.splice.PipeLimits;
import sibyl.node.splice.Splice;

/**
 * Run by {@link PipeLimitsTest} as an unprivileged user: fills pipes until the kernel's
 * fs.pipe-user-pages-soft refuses, with the store's own budget set far above it, and prints
 * what happened as {@code key=value} lines.
 */
public final class UnprivilegedPipesProbe {
    private UnprivilegedPipesProbe() {}

    public static void main(String[] args) throws Exception {
        Splice splice = Splice.load().orElseThrow();
        PipeLimits limits = splice.limits();
        System.out.println("exempt=" + limits.exempt());
        System.out.println("soft_pages=" + limits.userPagesSoft());
        int mib = 1 << 20;
        try (PipeBodyStore store = new PipeBodyStore(splice, limits, 1L << 30, mib, 1, 10_000)) {
            List<BodyWriter> open = new ArrayList<>();
            long descriptorsBefore = -1;
            int taken = 0;
            for (int i = 0; i < 200 && store.refused() == 0; i++) {
                long descriptors = descriptors();
                BodyWriter writer = store.tryOpen(mib);
                if (writer == null) {
                    descriptorsBefore = descriptors;
                    System.out.println("descriptors_after_refusal_delta=" + (descriptors() - descriptorsBefore));
                } else {
                    open.add(writer);
                    taken++;
                }
            }
            System.out.println("taken=" + taken);
            System.out.println("refused=" + store.refused());
            open.forEach(BodyWriter::abandon);
            System.out.println("pages_after_abandon=" + store.pagesHeld());
            System.out.println("retaken=" + (store.tryOpen(mib) != null));
        }
    }

    private static long descriptors() throws Exception {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }
}
