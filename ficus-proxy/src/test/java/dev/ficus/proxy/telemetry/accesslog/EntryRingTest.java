package dev.ficus.proxy.telemetry.accesslog;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The ring under contention: every published entry is consumed once, in each producer's order; a full ring refuses. */
class EntryRingTest {

    @Test
    void aFullRingRefusesUntilTheConsumerReleases() {
        EntryRing ring = new EntryRing(4);
        for (int i = 0; i < 4; i++) {
            long pos = ring.claim();
            assertThat(pos).isEqualTo(i);
            ring.slot(pos).status = i;
            ring.publish(pos);
        }
        assertThat(ring.claim()).as("full").isEqualTo(-1);
        assertThat(ring.peek().status).isZero();
        ring.release();
        long pos = ring.claim();
        assertThat(pos).isEqualTo(4);
        ring.slot(pos).status = 4;
        ring.publish(pos);
        for (int i = 1; i <= 4; i++) {
            assertThat(ring.peek().status).isEqualTo(i);
            ring.release();
        }
        assertThat(ring.peek()).isNull();
    }

    @Test
    void fourProducersAndOneConsumerLoseNothingThatWasAccepted() throws Exception {
        EntryRing ring = new EntryRing(64);
        int producers = 4, each = 200_000;
        AtomicLong refused = new AtomicLong();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            int id = p;
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < each; i++) {
                    long pos = ring.claim();
                    if (pos < 0) {
                        refused.incrementAndGet();
                        continue;
                    }
                    AccessLogEntry e = ring.slot(pos);
                    e.status = id;
                    e.bytesSent = i;
                    ring.publish(pos);
                }
            }));
        }
        long[] last = {-1, -1, -1, -1};
        long consumed = 0;
        go.countDown();
        while (threads.stream().anyMatch(Thread::isAlive) || ring.peek() != null) {
            AccessLogEntry e = ring.peek();
            if (e == null) {
                Thread.onSpinWait();
                continue;
            }
            assertThat(e.bytesSent).as("producer " + e.status + " in order").isGreaterThan(last[e.status]);
            last[e.status] = e.bytesSent;
            ring.release();
            consumed++;
        }
        for (Thread t : threads) t.join();
        assertThat(consumed + refused.get()).isEqualTo((long) producers * each);
        assertThat(consumed).isPositive();
    }
}
