package sibyl.node.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * The levels of {@code node.log-levels}, set over Logback's configuration: a logger set here
 * and later left out goes back to the level it had before the node first set it. Without
 * Logback (another SLF4J binding on the class path) it changes nothing and says so once.
 */
public final class LogLevels {
    private static final org.slf4j.Logger log = LoggerFactory.getLogger(LogLevels.class);

    /** Each logger this has set, with the level it had before (null: inherited). */
    private final Map<String, Level> before = new HashMap<>();

    /** Sets {@code levels} (logger name or {@code ROOT} → level name) and undoes earlier ones left out. */
    public synchronized void apply(Map<String, String> levels) {
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (!(factory instanceof LoggerContext context)) {
            if (!levels.isEmpty()) {
                log.warn("node.log-levels ignored: the logging backend is {}, not Logback", factory.getClass().getName());
            }
            return;
        }
        before.entrySet().removeIf(set -> {
            if (levels.containsKey(set.getKey())) {
                return false;
            }
            context.getLogger(set.getKey()).setLevel(set.getValue());
            return true;
        });
        levels.forEach((name, level) -> {
            Logger logger = context.getLogger(name);
            before.putIfAbsent(name, logger.getLevel());
            logger.setLevel(Level.toLevel(level));
        });
    }
}
