package sibyl.node.jvm;

import com.sun.management.GarbageCollectionNotificationInfo;
import com.sun.management.UnixOperatingSystemMXBean;
import io.netty.util.internal.PlatformDependent;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.lang.management.OperatingSystemMXBean;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * What the node's process holds, as {@code sibyl.jvm.*} lines of the counters page: the heap
 * after the last collection (and after the last full one: what is live, the figure a leak makes
 * grow), direct memory (the JDK's count and Netty's own), file descriptors and pipes. A soak
 * samples them each second; the heap's current use would be noise (it saw-tooths with
 * allocation), so the heap is read as the collector left it, from its notifications.
 */
public final class JvmGauges {
    private static final JvmGauges INSTANCE = new JvmGauges();
    private static final Path FDS = Path.of("/proc/self/fd");

    private final Set<String> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(pool -> pool.getType() == MemoryType.HEAP).map(MemoryPoolMXBean::getName).collect(Collectors.toSet());
    private final AtomicLong afterGc = new AtomicLong(-1);
    private final AtomicLong afterFullGc = new AtomicLong(-1);
    private final AtomicLong collections = new AtomicLong();
    private final AtomicLong fullCollections = new AtomicLong();

    private JvmGauges() {
        for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (collector instanceof NotificationEmitter emitter) {
                emitter.addNotificationListener((notification, handback) -> {
                    if (notification.getType().equals(GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) {
                        collected(GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData()));
                    }
                }, null, null);
            }
        }
    }

    /** Starts listening to the collector (once per process); then {@link #text()} has heap figures. */
    public static JvmGauges get() {
        return INSTANCE;
    }

    private void collected(GarbageCollectionNotificationInfo info) {
        long used = 0;
        for (Map.Entry<String, MemoryUsage> pool : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
            if (heapPools.contains(pool.getKey())) {
                used += pool.getValue().getUsed();
            }
        }
        afterGc.set(used);
        collections.incrementAndGet();
        // "end of major GC": a full collection (G1's, Parallel's and Serial's old-generation
        // collectors say so); what it leaves is what is reachable.
        if (info.getGcAction().contains("major")) {
            afterFullGc.set(used);
            fullCollections.incrementAndGet();
        }
    }

    /** The {@code sibyl.jvm.*} lines: bytes, counts; -1 where the figure is not known (yet). */
    public String text() {
        long direct = -1;
        long directBuffers = -1;
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                direct = pool.getMemoryUsed();
                directBuffers = pool.getCount();
            }
        }
        long[] fds = descriptors();
        return "sibyl.jvm.heap_used_bytes = " + ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() + "\n"
                + "sibyl.jvm.heap_after_gc_bytes = " + afterGc.get() + "\n"
                + "sibyl.jvm.heap_after_full_gc_bytes = " + afterFullGc.get() + "\n"
                + "sibyl.jvm.gcs = " + collections.get() + "\n"
                + "sibyl.jvm.full_gcs = " + fullCollections.get() + "\n"
                + "sibyl.jvm.direct_bytes = " + direct + "\n"
                + "sibyl.jvm.direct_buffers = " + directBuffers + "\n"
                // Netty counts what it allocates without a Cleaner (-1 when it uses the JDK's).
                + "sibyl.jvm.netty_direct_bytes = " + PlatformDependent.usedDirectMemory() + "\n"
                + "sibyl.jvm.descriptors = " + fds[0] + "\n"
                + "sibyl.jvm.pipes = " + fds[1] + "\n";
    }

    /** Open descriptors and, of them, pipe ends: from /proc where there is one, else the JDK's count. */
    private static long[] descriptors() {
        long count = 0;
        long pipes = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(FDS)) {
            for (Path entry : entries) {
                count++;
                try {
                    if (Files.readSymbolicLink(entry).toString().startsWith("pipe:")) {
                        pipes++;
                    }
                } catch (IOException closedMeanwhile) {
                    // the descriptor was closed between listing and reading: still counted once
                }
            }
            return new long[] {count, pipes};
        } catch (IOException | UnsupportedOperationException noProc) {
            OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
            return new long[] {os instanceof UnixOperatingSystemMXBean unix ? unix.getOpenFileDescriptorCount() : -1, -1};
        }
    }
}
