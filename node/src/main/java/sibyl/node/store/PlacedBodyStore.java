package sibyl.node.store;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sibyl.config.CacheSettings;
import sibyl.config.PipeSettings;
import sibyl.config.SettingsException;
import sibyl.node.splice.PipeLimits;
import sibyl.node.splice.Splice;
import sibyl.node.splice.SpliceException;

/**
 * The node's body store: bodies whose length is known and within the pipe band go into kernel
 * pipes when the pipe store can take them; everything else (chunked bodies, sizes outside the
 * band, bodies the pipe budget or the kernel refused) goes into direct memory. Refusals are
 * counted, so an operator sees when the band asks for more than the kernel gives.
 */
public final class PlacedBodyStore implements BodyStore, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PlacedBodyStore.class);
    private final DirectBodyStore direct;
    private final PipeBodyStore pipes;
    private final long pipeMin;
    private final long pipeMax;
    private final LongAdder pipeBodies = new LongAdder();
    private final LongAdder directBodies = new LongAdder();

    /**
     * @param pipes the pipe store, absent where splice is not available
     * @param pipeMin the smallest body put in pipes
     * @param pipeMax the largest body put in pipes
     */
    public PlacedBodyStore(DirectBodyStore direct, Optional<PipeBodyStore> pipes, long pipeMin, long pipeMax) {
        this.direct = direct;
        this.pipes = pipes.orElse(null);
        this.pipeMin = pipeMin;
        this.pipeMax = pipeMax;
    }

    /**
     * The store {@code cache} describes, on this machine: pipes only on Linux with the epoll
     * transport (said once in the log otherwise), within what the kernel gives this process.
     *
     * @param epoll whether client connections use the epoll transport
     * @throws SettingsException when cache.pipe asks for more than the kernel allows
     */
    public static PlacedBodyStore open(CacheSettings cache, boolean epoll) {
        PipeSettings pipe = cache.pipe();
        DirectBodyStore direct = new DirectBodyStore(cache.fillBytes());
        if (!pipe.enabled()) {
            return new PlacedBodyStore(direct, Optional.empty(), 0, 0);
        }
        if (!epoll) {
            log.info("bodies are kept in direct memory only: the pipe store needs Linux's epoll transport "
                    + "(http.native-transport)");
            return new PlacedBodyStore(direct, Optional.empty(), 0, 0);
        }
        Optional<Splice> splice = Splice.load(); // says why in the log when empty
        if (splice.isEmpty()) {
            return new PlacedBodyStore(direct, Optional.empty(), 0, 0);
        }
        try {
            PipeLimits limits = splice.get().limits();
            Budget budget = budget(cache, limits);
            if (budget.memory() < pipe.pipeBytes()) {
                log.warn("bodies are kept in direct memory only: fs.pipe-user-pages-soft ({} pages) leaves no room for "
                        + "stored pipes besides cache.pipe.transfers = {} scratch pipes of cache.pipe.size", limits.userPagesSoft(),
                        pipe.transfers());
                return new PlacedBodyStore(direct, Optional.empty(), 0, 0);
            }
            PipeBodyStore pipes = new PipeBodyStore(splice.get(), limits, budget.memory(), pipe.pipeBytes(),
                    pipe.transfers(), budget.descriptors());
            log.info("bodies of {}..{} bytes are kept in pipes of {} KiB: up to {} MiB and {} descriptors, {} hits spliced at once",
                    pipe.minObjectBytes(), pipe.maxObjectBytes(), pipe.pipeBytes() >> 10, budget.memory() >> 20,
                    budget.descriptors(), pipe.transfers());
            return new PlacedBodyStore(direct, Optional.of(pipes), pipe.minObjectBytes(), pipe.maxObjectBytes());
        } catch (SpliceException e) {
            log.warn("bodies are kept in direct memory only: the pipe store could not start ({})", e.getMessage());
            return new PlacedBodyStore(direct, Optional.empty(), 0, 0);
        }
    }

    /** What the pipe store may hold: bytes in stored pipes, and descriptors. */
    record Budget(long memory, long descriptors) {}

    /** What cache.pipe may take, "auto" worked out from the kernel's limits, explicit values checked against them. */
    static Budget budget(CacheSettings cache, PipeLimits limits) {
        PipeSettings pipe = cache.pipe();
        if (pipe.pipeBytes() > limits.maxPipeBytes()) {
            throw new SettingsException("cache.pipe.size = " + pipe.pipeBytes() + " is above fs.pipe-max-size ("
                    + limits.maxPipeBytes() + " in /proc/sys/fs/pipe-max-size)");
        }
        if (pipe.pipeBytes() < limits.pageSize()) {
            throw new SettingsException("cache.pipe.size = " + pipe.pipeBytes() + " is below a page (" + limits.pageSize() + " bytes)");
        }
        long scratch = (pipe.transfers() + 1L) * pipe.pipeBytes(); // and the copy pipe
        long kernel = limits.userBytesSoft();
        long memory;
        if (pipe.memoryBytes().isPresent()) {
            memory = pipe.memoryBytes().getAsLong();
            if (kernel != Long.MAX_VALUE && memory + scratch > kernel) {
                throw new SettingsException("cache.pipe.memory = " + memory + " plus cache.pipe.transfers x cache.pipe.size ("
                        + scratch + ") is above what the kernel lets this user hold in pipes: fs.pipe-user-pages-soft = "
                        + limits.userPagesSoft() + " pages of " + limits.pageSize() + " bytes (/proc/sys/fs/pipe-user-pages-soft),"
                        + " lifted only by CAP_SYS_RESOURCE");
            }
        } else if (kernel == Long.MAX_VALUE) {
            memory = cache.memoryBytes();
        } else {
            // Half: the rest is for other processes of the user, and for the pipe Netty keeps per
            // client connection an origin body was spliced into (64 KiB each).
            memory = Math.max(0, kernel / 2 - scratch);
        }
        long descriptors;
        if (pipe.descriptors().isPresent()) {
            descriptors = pipe.descriptors().getAsLong();
            if (descriptors > limits.openFiles() - 256) {
                throw new SettingsException("cache.pipe.descriptors = " + descriptors + " leaves fewer than 256 of this "
                        + "process's " + limits.openFiles() + " (RLIMIT_NOFILE) for sockets and files");
            }
        } else {
            descriptors = limits.openFiles() / 2;
        }
        return new Budget(Math.min(memory, cache.memoryBytes()), descriptors);
    }

    @Override
    public BodyWriter open(long expectedLength) {
        if (pipes != null && expectedLength >= pipeMin && expectedLength <= pipeMax) {
            BodyWriter writer = pipes.tryOpen(expectedLength);
            if (writer != null) {
                pipeBodies.increment();
                return writer;
            }
        }
        directBodies.increment();
        return direct.open(expectedLength);
    }

    @Override
    public long bytesHeld() {
        return direct.bytesHeld() + (pipes == null ? 0 : pipes.bytesHeld());
    }

    @Override
    public Map<String, Long> counters() {
        Map<String, Long> counters = new LinkedHashMap<>();
        counters.put("direct_bodies", directBodies.sum());
        counters.put("direct_bodies_held", direct.bodiesHeld());
        counters.put("direct_bytes_held", direct.bytesHeld());
        counters.put("direct_bytes_filling", direct.bytesFilling());
        counters.put("fill_refused", direct.fillsRefused());
        counters.put("pipe_bodies", pipeBodies.sum());
        if (pipes != null) {
            counters.put("pipe_bodies_held", pipes.bodiesHeld());
            counters.put("pipe_bytes_held", pipes.bytesHeld());
            counters.put("pipe_pages_held", pipes.pagesHeld());
            counters.put("pipe_descriptors_held", pipes.descriptorsHeld());
            counters.put("pipe_refused", pipes.refused());
            counters.put("pipe_copied_transfers", pipes.copiedTransfers());
        }
        return counters;
    }

    @Override
    public void close() {
        if (pipes != null) {
            pipes.close();
        }
    }
}
