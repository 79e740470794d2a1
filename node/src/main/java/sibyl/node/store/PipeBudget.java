package sibyl.node.store;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What the pipe store may take of the two things the kernel rations: pipe pages (stored bodies)
 * and file descriptors (stored pipes and scratch pipes alike). A reservation is all or nothing;
 * whoever took it gives it back when the pipes it paid for are closed.
 */
final class PipeBudget {
    private final long maxPages;
    private final long maxDescriptors;
    private final AtomicLong pages = new AtomicLong();
    private final AtomicLong descriptors = new AtomicLong();

    PipeBudget(long maxPages, long maxDescriptors) {
        this.maxPages = maxPages;
        this.maxDescriptors = maxDescriptors;
    }

    /** Takes {@code pageCount} pages and {@code descriptorCount} descriptors, or nothing. */
    boolean tryTake(long pageCount, long descriptorCount) {
        if (!tryAdd(pages, pageCount, maxPages)) {
            return false;
        }
        if (!tryAdd(descriptors, descriptorCount, maxDescriptors)) {
            pages.addAndGet(-pageCount);
            return false;
        }
        return true;
    }

    void give(long pageCount, long descriptorCount) {
        pages.addAndGet(-pageCount);
        descriptors.addAndGet(-descriptorCount);
    }

    long pages() {
        return pages.get();
    }

    long descriptors() {
        return descriptors.get();
    }

    private static boolean tryAdd(AtomicLong counter, long amount, long max) {
        long current;
        do {
            current = counter.get();
            if (current + amount > max) {
                return false;
            }
        } while (!counter.compareAndSet(current, current + amount));
        return true;
    }
}
