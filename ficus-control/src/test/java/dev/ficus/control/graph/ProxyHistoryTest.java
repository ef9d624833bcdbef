package dev.ficus.control.graph;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Which two samples a window compares, and what the history keeps. */
class ProxyHistoryTest {
    static final long S = 1_000_000_000L;
    static final EdgeKey EDGE = new EdgeKey(EdgeKey.Reporter.DESTINATION, new Workload("shop", "web"), new Workload("shop", "reviews"), "reviews", EdgeKey.Protocol.HTTP);

    static ProxySample sample(long seconds, long requests) {
        return new ProxySample(seconds * S, new double[0], Map.of(EDGE, new EdgeCounters(requests, 0, 0, requests, 0, new long[0], 0, 0, 0)));
    }

    @Test
    void aWindowComparesTheNewestSampleWithTheNewestOneAtLeastThatOld() {
        ProxyHistory h = new ProxyHistory(Duration.ofSeconds(15), Duration.ofMinutes(10));
        for (int i = 0; i <= 8; i++) h.add(sample(i * 15L, i * 150L)); // 10 rps, every 15 s
        ProxyHistory.Window w = h.window(Duration.ofSeconds(30));
        assertThat(w.seconds()).isEqualTo(30.0);
        assertThat(w.deltas().get(EDGE).requests()).isEqualTo(300);
        ProxyHistory.Window w40 = h.window(Duration.ofSeconds(40));
        assertThat(w40.seconds()).as("the base is at least the window old").isEqualTo(45.0);
        ProxyHistory.Window longer = h.window(Duration.ofMinutes(5));
        assertThat(longer.seconds()).as("all the history there is").isEqualTo(120.0);
        assertThat(longer.deltas().get(EDGE).requests()).isEqualTo(1200);
    }

    @Test
    void oneSampleIsNoWindowAndIdleEdgesAreLeftOut() {
        ProxyHistory h = new ProxyHistory(Duration.ofSeconds(15), Duration.ofMinutes(10));
        h.add(sample(0, 7));
        assertThat(h.window(Duration.ofSeconds(30))).isNull();
        h.add(sample(15, 7));
        assertThat(h.window(Duration.ofSeconds(30)).deltas()).isEmpty();
    }

    @Test
    void onDemandScrapesBetweenPeriodicOnesDoNotPileUp() {
        ProxyHistory h = new ProxyHistory(Duration.ofSeconds(15), Duration.ofMinutes(10));
        h.add(sample(0, 0));
        h.add(sample(15, 10));
        for (int i = 1; i <= 20; i++) h.add(sample(15 + i / 10, 10 + i)); // a graph asked every 100 ms… at second resolution
        assertThat(h.size()).isLessThanOrEqualTo(3);
        assertThat(h.times().getFirst()).isZero();
        assertThat(h.latest().edges().get(EDGE).requests()).isEqualTo(30);
    }

    @Test
    void keepsNoMoreThanTheLongestWindowNeeds() {
        ProxyHistory h = new ProxyHistory(Duration.ofSeconds(15), Duration.ofMinutes(1));
        for (int i = 0; i <= 100; i++) h.add(sample(i * 15L, i));
        // the newest sample and those less than a minute before it, plus the base of a 1 m window
        assertThat(h.times()).containsExactly(1440 * S, 1455 * S, 1470 * S, 1485 * S, 1500 * S);
        assertThat(h.window(Duration.ofMinutes(1)).seconds()).isEqualTo(60.0);
    }

    @Test
    void aCounterResetCountsFromZero() {
        ProxyHistory h = new ProxyHistory(Duration.ofSeconds(15), Duration.ofMinutes(10));
        h.add(sample(0, 500));
        h.add(sample(15, 20)); // the proxy restarted under the same id
        assertThat(h.window(Duration.ofSeconds(15)).deltas().get(EDGE).requests()).isEqualTo(20);
    }

    @Test
    void anIdleEdgeSharesItsCountersWithTheSampleBefore() {
        ProxyHistory h = new ProxyHistory(Duration.ofSeconds(15), Duration.ofMinutes(10));
        h.add(sample(0, 5));
        h.add(sample(15, 5));
        assertThat(h.latest().edges().get(EDGE)).isSameAs(h.window(Duration.ofSeconds(15)).base().edges().get(EDGE));
    }
}
