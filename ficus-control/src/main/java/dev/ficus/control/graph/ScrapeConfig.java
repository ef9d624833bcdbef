package dev.ficus.control.graph;

import java.time.Duration;
import java.util.Objects;

/**
 * How the control plane reads its proxies' metrics for the graph.
 *
 * @param interval    time between two periodic scrapes of every proxy; a graph request also
 *                    scrapes, unless the last round ended less than {@code fresh} ago
 * @param timeout     one scrape's bound, connection to last byte
 * @param concurrency scrapes in flight at once
 * @param retain      the longest window a graph can ask for (older samples are dropped)
 * @param maxBytes    the largest metrics text read from one proxy
 * @param fresh       how recent a round must be for a graph request not to start another
 */
public record ScrapeConfig(Duration interval, Duration timeout, int concurrency, Duration retain, long maxBytes, Duration fresh) {
    public static final ScrapeConfig DEFAULTS = new ScrapeConfig(Duration.ofSeconds(15), Duration.ofSeconds(2), 8,
            Duration.ofMinutes(10), 32L << 20, Duration.ofSeconds(1));

    public ScrapeConfig {
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(retain, "retain");
        Objects.requireNonNull(fresh, "fresh");
        if (interval.isNegative() || interval.isZero()) throw new IllegalArgumentException("scrape interval must be positive, got " + interval);
        if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("scrape timeout must be positive, got " + timeout);
        if (concurrency < 1) throw new IllegalArgumentException("scrape concurrency must be at least 1, got " + concurrency);
        if (retain.compareTo(interval) < 0) throw new IllegalArgumentException("retain (" + retain + ") must be at least the interval (" + interval + ")");
        if (maxBytes < 1) throw new IllegalArgumentException("maxBytes must be positive");
    }

    public ScrapeConfig withInterval(Duration d) { return new ScrapeConfig(d, timeout, concurrency, retain.compareTo(d) < 0 ? d : retain, maxBytes, fresh); }

    public ScrapeConfig withTimeout(Duration d) { return new ScrapeConfig(interval, d, concurrency, retain, maxBytes, fresh); }

    public ScrapeConfig withConcurrency(int n) { return new ScrapeConfig(interval, timeout, n, retain, maxBytes, fresh); }

    public ScrapeConfig withMaxBytes(long n) { return new ScrapeConfig(interval, timeout, concurrency, retain, n, fresh); }

    public ScrapeConfig withFresh(Duration d) { return new ScrapeConfig(interval, timeout, concurrency, retain, maxBytes, d); }
}
