package sibyl.node.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * A node's metrics in Prometheus's terms: Micrometer's registry with the JVM's and the process's
 * meters, and the node's own counters and latency histograms read at each scrape from what it
 * keeps anyway ({@link NodeCollector}). Nothing on the serving path goes through Micrometer: a
 * timer's time window and maximum cost an event loop more than the request's own counting.
 */
public final class NodeMetrics implements AutoCloseable {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();

    public NodeMetrics() {
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        threads(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    /**
     * Micrometer's JvmThreadMetrics, less its count by thread state: that takes every thread's
     * ThreadInfo, six times a scrape, each a safepoint that stops the event loops (it cost a
     * node serving hits 2% of its throughput at a scrape a second). These three are counters
     * the JVM keeps, read without stopping anything, under the same names.
     */
    private static void threads(MeterRegistry registry) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Gauge.builder("jvm.threads.live", threads, ThreadMXBean::getThreadCount)
                .description("The current number of live threads including both daemon and non-daemon threads")
                .baseUnit("threads").register(registry);
        Gauge.builder("jvm.threads.daemon", threads, ThreadMXBean::getDaemonThreadCount)
                .description("The current number of live daemon threads").baseUnit("threads").register(registry);
        Gauge.builder("jvm.threads.peak", threads, ThreadMXBean::getPeakThreadCount)
                .description("The peak live thread count since the Java virtual machine started or peak was reset")
                .baseUnit("threads").register(registry);
    }

    /** Publishes the node's counters from {@code sources}; once, when the node's parts exist. */
    public void bind(Sources sources) {
        registry.getPrometheusRegistry().register(new NodeCollector(sources));
    }

    /** Every metric in Prometheus's text exposition format, version 0.0.4. */
    public String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        gc.close(); // its GC notification listeners would otherwise outlive the node
        registry.close();
    }
}
