package sibyl.node;

import java.lang.management.ManagementFactory;
import javax.management.ObjectName;

/** Objects alive in this JVM, counted as {@code jcmd PID GC.class_histogram} counts them. */
public final class LiveObjects {
    private LiveObjects() {}

    /** Objects of {@code className} alive after a full GC, from the JVM's class histogram. */
    public static long count(String className) throws Exception {
        String histogram = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[] {new String[0]}, new String[] {String[].class.getName()});
        for (String line : histogram.split("\n")) {
            String[] words = line.strip().split("\\s+");
            if (words.length >= 4 && words[3].equals(className)) {
                return Long.parseLong(words[1]);
            }
        }
        return 0;
    }
}
