package dev.ficus.proxy.telemetry;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What a scrape shows of a histogram: cumulative buckets with inclusive bounds, the sum, and the count. */
class HistogramTest {

    @Test
    void anObservationAtABoundCountsInThatBucketAndTheCountIsTheBucketsTotal() {
        Histogram h = new Histogram();
        h.observeMicros(0);       // 0 ms: le="0.5"
        h.observeMicros(500);     // 0.5 ms exactly: still le="0.5" (bounds are inclusive)
        h.observeMicros(501);     // just above: le="1"
        h.observeMicros(7_000);   // 7 ms: le="10"
        h.observe(4_000_000);     // 4,000,000 (bytes): above every bound, +Inf only
        StringBuilder b = new StringBuilder();
        h.write(b, "m", "a=\"b\"");
        String text = b.toString();
        assertThat(text).contains("m_bucket{a=\"b\",le=\"0.5\"} 2\n").contains("m_bucket{a=\"b\",le=\"1\"} 3\n")
                .contains("m_bucket{a=\"b\",le=\"5\"} 3\n").contains("m_bucket{a=\"b\",le=\"10\"} 4\n")
                .contains("m_bucket{a=\"b\",le=\"3600000\"} 4\n").contains("m_bucket{a=\"b\",le=\"+Inf\"} 5\n")
                .contains("m_sum{a=\"b\"} 4000008.001\n").contains("m_count{a=\"b\"} 5\n");
    }
}
