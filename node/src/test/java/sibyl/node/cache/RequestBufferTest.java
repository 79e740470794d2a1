package sibyl.node.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RequestBufferTest {

    @Test
    void whatIsAddedIsDrainedOnceInOrder() {
        RequestBuffer buffer = new RequestBuffer();
        for (int i = 0; i < 10; i++) {
            buffer.add("request " + i);
        }
        List<Object> drained = new ArrayList<>();
        buffer.drain(drained::add);
        buffer.drain(drained::add);
        assertEquals(10, drained.size());
        assertEquals("request 0", drained.get(0));
        assertEquals("request 9", drained.get(9));
    }

    @Test
    void aFullStripeDropsRequestsAndAsksToBeDrained() {
        RequestBuffer buffer = new RequestBuffer();
        boolean wantsDraining = false;
        for (int i = 0; i < 100; i++) {
            wantsDraining |= buffer.add(i);
        }
        AtomicInteger drained = new AtomicInteger();
        buffer.drain(request -> drained.incrementAndGet());
        assertTrue(wantsDraining);
        assertEquals(32, drained.get(), "one thread's stripe holds 32");
        buffer.add("after");
        List<Object> after = new ArrayList<>();
        buffer.drain(after::add);
        assertEquals(List.of("after"), after, "room again once drained");
    }

    @Test
    void threadsAddingWhileItIsDrainedLoseNothingTwiceOrHalfWritten() throws Exception {
        RequestBuffer buffer = new RequestBuffer();
        int threads = 4;
        int perThread = 200_000;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> adders = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            Thread adder = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < perThread; i++) {
                    buffer.add(Long.valueOf((long) thread << 32 | i));
                }
            });
            adders.add(adder);
            adder.start();
        }
        Set<Object> seen = new HashSet<>();
        start.countDown();
        boolean alive = true;
        while (alive) {
            alive = false;
            for (Thread adder : adders) {
                alive |= adder.isAlive();
            }
            buffer.drain(request -> assertTrue(seen.add(request), "drained twice: " + request));
        }
        buffer.drain(request -> assertTrue(seen.add(request), "drained twice: " + request));
        assertTrue(seen.size() > 0);
        assertTrue(seen.size() <= threads * perThread);
    }
}
