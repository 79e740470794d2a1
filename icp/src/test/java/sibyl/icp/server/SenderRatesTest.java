package sibyl.icp.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** The per-sender token buckets, on a clock the test moves. */
class SenderRatesTest {
    private static final long SECOND = 1_000_000_000L;

    private static int allowed(SenderRates rates, InetAddress sender, long now, int tries) {
        int allowed = 0;
        for (int i = 0; i < tries; i++) {
            if (rates.allow(sender, now)) {
                allowed++;
            }
        }
        return allowed;
    }

    @Test
    void aSenderGetsASecondsWorthAtOnceThenTheRate() throws Exception {
        SenderRates rates = new SenderRates(50);
        InetAddress sender = InetAddress.getByName("192.0.2.1");
        long start = System.nanoTime();

        assertEquals(50, allowed(rates, sender, start, 200));
        assertEquals(5, allowed(rates, sender, start + SECOND / 10, 200));
        assertEquals(50, allowed(rates, sender, start + 60 * SECOND, 200), "a burst never exceeds one second's worth");
    }

    @Test
    void sendersHaveBucketsOfTheirOwn() throws Exception {
        SenderRates rates = new SenderRates(10);
        long now = System.nanoTime();
        InetAddress flooder = InetAddress.getByName("192.0.2.1");
        assertEquals(10, allowed(rates, flooder, now, 1000));

        assertTrue(rates.allow(InetAddress.getByName("192.0.2.2"), now));
        assertTrue(rates.allow(InetAddress.getByName("2001:db8::1"), now));
        assertFalse(rates.allow(flooder, now));
    }

    @Test
    void zeroIsNoLimit() throws Exception {
        SenderRates rates = new SenderRates(0);
        assertEquals(100_000, allowed(rates, InetAddress.getByName("192.0.2.1"), System.nanoTime(), 100_000));
    }
}
