package dev.ficus.bench.load;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What one load run does; immutable, checked once when built so the generator can trust it.
 *
 * @param target       an {@code http://} URL on any host; the path and query are sent as is
 * @param rate         requests per second over all connections, or {@link #MAX_RATE} for closed loop
 * @param duration     measured time, after the warm-up
 * @param warmup       time before measuring; requests are sent but not recorded
 * @param connections  keep-alive connections, spread over the event loops
 * @param threads      event loops (one thread each)
 * @param method       request method
 * @param bodySize     request body size in bytes (0: no body)
 * @param headers      extra request headers, in order
 * @param timeout      a request without a full response after this long is a timeout error
 * @param maxRequests  a hard cap on requests sent (including warm-up), whatever the rate
 */
public record LoadConfig(URI target, double rate, Duration duration, Duration warmup, int connections,
                         int threads, String method, int bodySize, List<Map.Entry<String, String>> headers,
                         Duration timeout, long maxRequests) {

    /** The rate value that means "closed loop: send the next request as soon as a response is in". */
    public static final double MAX_RATE = Double.POSITIVE_INFINITY;
    /** Bounds that keep a typo from turning into a runaway run. */
    public static final int MAX_CONNECTIONS = 10_000;
    public static final Duration MAX_DURATION = Duration.ofHours(24);
    public static final int MAX_BODY_SIZE = 64 * 1024 * 1024;

    public LoadConfig {
        Objects.requireNonNull(target, "target");
        String scheme = target.getScheme() == null ? "" : target.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http")) {
            throw new IllegalArgumentException("only http:// URLs are supported for now: " + target);
        }
        if (target.getHost() == null) {
            throw new IllegalArgumentException("URL has no host: " + target);
        }
        if (!(rate > 0) || Double.isNaN(rate)) {
            throw new IllegalArgumentException("rate must be a positive number of requests per second or 'max'");
        }
        if (duration == null || duration.isNegative() || duration.isZero() || duration.compareTo(MAX_DURATION) > 0) {
            throw new IllegalArgumentException("duration must be more than 0 and at most 24h");
        }
        if (warmup == null || warmup.isNegative() || warmup.compareTo(MAX_DURATION) > 0) {
            throw new IllegalArgumentException("warm-up must be 0 or more and at most 24h");
        }
        if (connections < 1 || connections > MAX_CONNECTIONS) {
            throw new IllegalArgumentException("connections must be between 1 and " + MAX_CONNECTIONS);
        }
        if (threads < 1 || threads > connections) {
            throw new IllegalArgumentException("threads must be between 1 and the number of connections (" + connections + ")");
        }
        if (method == null || method.isEmpty() || !method.chars().allMatch(c -> c > 32 && c < 127 && c != ':')) {
            throw new IllegalArgumentException("method must be a token such as GET or POST");
        }
        if (bodySize < 0 || bodySize > MAX_BODY_SIZE) {
            throw new IllegalArgumentException("body size must be between 0 and " + MAX_BODY_SIZE + " bytes");
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be more than 0");
        }
        if (maxRequests < 1) {
            throw new IllegalArgumentException("max requests must be at least 1");
        }
        if (rate != MAX_RATE && rate / connections > 1_000_000) {
            throw new IllegalArgumentException("rate per connection above 1,000,000/s is not supported");
        }
        headers = List.copyOf(headers.stream().map(e -> Map.entry(e.getKey(), e.getValue())).toList());
        for (Map.Entry<String, String> h : headers) {
            if (h.getKey().isEmpty() || !h.getKey().chars().allMatch(c -> c > 32 && c < 127 && c != ':')
                    || h.getValue().chars().anyMatch(c -> c == '\r' || c == '\n')) {
                throw new IllegalArgumentException("invalid header '" + h.getKey() + "'");
            }
        }
        method = method.toUpperCase(Locale.ROOT);
    }

    public boolean closedLoop() {
        return rate == MAX_RATE;
    }

    /** The same run at another rate (a ramp's next step); checked like any other config. */
    public LoadConfig withRate(double perSecond) {
        return new LoadConfig(target, perSecond, duration, warmup, connections, threads, method, bodySize, headers,
                timeout, maxRequests);
    }

    public static Builder builder(URI target) {
        return new Builder(target);
    }

    /** Defaults: 100 requests/s, 10 s, no warm-up, 1 connection, GET, no body, 10 s timeout. */
    public static final class Builder {
        private final URI target;
        private double rate = 100;
        private Duration duration = Duration.ofSeconds(10);
        private Duration warmup = Duration.ZERO;
        private int connections = 1;
        private int threads = 0;
        private String method = "GET";
        private int bodySize;
        private final List<Map.Entry<String, String>> headers = new ArrayList<>();
        private Duration timeout = Duration.ofSeconds(10);
        private long maxRequests = Long.MAX_VALUE;

        private Builder(URI target) {
            this.target = target;
        }

        public Builder rate(double perSecond) { this.rate = perSecond; return this; }
        public Builder maxRate() { this.rate = MAX_RATE; return this; }
        public Builder duration(Duration d) { this.duration = d; return this; }
        public Builder warmup(Duration d) { this.warmup = d; return this; }
        public Builder connections(int n) { this.connections = n; return this; }
        /** Event loops; 0 (the default) means min(connections, available processors). */
        public Builder threads(int n) { this.threads = n; return this; }
        public Builder method(String m) { this.method = m; return this; }
        public Builder bodySize(int bytes) { this.bodySize = bytes; return this; }
        public Builder header(String name, String value) { headers.add(Map.entry(name, value)); return this; }
        public Builder timeout(Duration d) { this.timeout = d; return this; }
        public Builder maxRequests(long n) { this.maxRequests = n; return this; }

        public LoadConfig build() {
            int t = threads > 0 ? threads : Math.max(1, Math.min(connections, Runtime.getRuntime().availableProcessors()));
            return new LoadConfig(target, rate, duration, warmup, connections, t, method, bodySize, headers, timeout, maxRequests);
        }
    }
}
