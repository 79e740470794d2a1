package sibyl.node.origin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** A broken origin asked a thousand times cannot flood the node log. */
class FaultLogTest {
    final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    final Logger logger = (Logger) LoggerFactory.getLogger(OriginClient.class);

    @BeforeEach
    void listen() {
        logged.start();
        logger.addAppender(logged);
    }

    @AfterEach
    void stop() {
        logger.detachAppender(logged);
    }

    @Test
    void aBurstThenOneASecondAndTheNextSaysHowManyWereLeftOut() {
        AtomicLong nanos = new AtomicLong(1_000_000_000L);
        FaultLog log = new FaultLog(nanos::get);

        for (int i = 0; i < 1000; i++) {
            log.warn("origin fault " + i);
        }
        assertEquals(FaultLog.BURST, logged.list.size());

        nanos.addAndGet(1_000_000_000L);
        log.warn("origin fault after a second");
        log.warn("and one more at once");

        assertEquals(FaultLog.BURST + 1, logged.list.size());
        String last = logged.list.get(FaultLog.BURST).getFormattedMessage();
        assertTrue(last.startsWith("origin fault after a second (990 more origin faults not logged"), last);
    }
}
