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
 * @param target       an {@code http://} URL on any host (the path and query are sent as is; for gRPC
 *                     the path is the method, {@code /package.Service/Method}), or {@code tcp://HOST:PORT}
 *                     for TCP echo
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
 * @param protocol     what one exchange is
 * @param streams      requests in flight at once on each connection (HTTP/2 streams); 1 for
 *                     HTTP/1.1 and TCP, whose connections carry one exchange at a time
 */
public record LoadConfig(URI target, double rate, Duration duration, Duration warmup, int connections,
                         int threads, String method, int bodySize, List<Map.Entry<String, String>> headers,
                         Duration timeout, long maxRequests, Protocol protocol, int streams) {

    /** The rate value that means "closed loop: send the next request as soon as a response is in". */
    public static final double MAX_RATE = Double.POSITIVE_INFINITY;
    /** Bounds that keep a typo from turning into a runaway run. */
    public static final int MAX_CONNECTIONS = 10_000;
    public static final Duration MAX_DURATION = Duration.ofHours(24);
    public static final int MAX_BODY_SIZE = 64 * 1024 * 1024;
    /** HTTP/2 streams per connection; servers commonly allow 100 to 1000 at once. */
    public static final int MAX_STREAMS = 1000;

    public LoadConfig {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(protocol, "protocol");
        String scheme = target.getScheme() == null ? "" : target.getScheme().toLowerCase(Locale.ROOT);
        if (protocol == Protocol.TCP ? !scheme.equals("tcp") : !scheme.equals("http")) {
            throw new IllegalArgumentException(protocol == Protocol.TCP
                    ? "tcp needs a tcp://HOST:PORT URL: " + target
                    : protocol.label() + " needs an http:// URL (https is not supported): " + target);
        }
        if (target.getHost() == null) {
            throw new IllegalArgumentException("URL has no host: " + target);
        }
        if (protocol == Protocol.TCP && target.getPort() == -1) {
            throw new IllegalArgumentException("a tcp:// URL needs a port: " + target);
        }
        if (streams < 1 || streams > MAX_STREAMS) {
            throw new IllegalArgumentException("streams must be between 1 and " + MAX_STREAMS);
        }
        if (streams > 1 && !protocol.multiplexed()) {
            throw new IllegalArgumentException(protocol.label() + " carries one request at a time per connection: streams must be 1");
        }
        if (protocol == Protocol.GRPC) {
            String path = target.getRawPath();
            if (path == null || path.length() < 4 || path.indexOf('/', 1) < 2 || path.endsWith("/") || target.getRawQuery() != null) {
                throw new IllegalArgumentException("a gRPC method is a path /package.Service/Method, got '" + path + "'");
            }
        }
        if (protocol == Protocol.TCP && bodySize < 1) {
            throw new IllegalArgumentException("a TCP echo needs a body size of at least 1 byte");
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
        if (rate != MAX_RATE && rate / ((double) connections * streams) > 1_000_000) {
            throw new IllegalArgumentException("rate per connection above 1,000,000/s is not supported");
        }
        headers = List.copyOf(headers.stream().map(e -> Map.entry(e.getKey(), e.getValue())).toList());
        for (Map.Entry<String, String> h : headers) {
            if (h.getKey().isEmpty() || !h.getKey().chars().allMatch(c -> c > 32 && c < 127 && c != ':')
                    || h.getValue().chars().anyMatch(c -> c == '\r' || c == '\n')) {
                throw new IllegalArgumentException("invalid header '" + h.getKey() + "'");
            }
        }
        method = protocol == Protocol.GRPC ? "POST" : method.toUpperCase(Locale.ROOT); // gRPC calls are POSTs
    }

    /** An HTTP/1.1 run (the fields before protocols other than HTTP/1.1 existed). */
    public LoadConfig(URI target, double rate, Duration duration, Duration warmup, int connections, int threads,
                      String method, int bodySize, List<Map.Entry<String, String>> headers, Duration timeout,
                      long maxRequests) {
        this(target, rate, duration, warmup, connections, threads, method, bodySize, headers, timeout, maxRequests,
                Protocol.HTTP1, 1);
    }

    /** Requests in flight at most: one per stream of every connection. */
    public int slots() {
        return connections * streams;
    }

    public boolean closedLoop() {
        return rate == MAX_RATE;
    }

    /** The same run at another rate (a ramp's next step); checked like any other config. */
    public LoadConfig withRate(double perSecond) {
        return new LoadConfig(target, perSecond, duration, warmup, connections, threads, method, bodySize, headers,
                timeout, maxRequests, protocol, streams);
    }

    public static Builder builder(URI target) {
        return new Builder(target);
    }

    /** Defaults: HTTP/1.1, 100 requests/s, 10 s, no warm-up, 1 connection, 1 stream, GET, no body, 10 s timeout. */
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
        private Protocol protocol = Protocol.HTTP1;
        private int streams = 1;

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
        public Builder protocol(Protocol p) { this.protocol = p; return this; }
        /** Concurrent HTTP/2 streams per connection (h2c and gRPC only). */
        public Builder streams(int n) { this.streams = n; return this; }

        public LoadConfig build() {
            int t = threads > 0 ? threads : Math.max(1, Math.min(connections, Runtime.getRuntime().availableProcessors()));
            return new LoadConfig(target, rate, duration, warmup, connections, t, method, bodySize, headers, timeout,
                    maxRequests, protocol, streams);
        }
    }
}
