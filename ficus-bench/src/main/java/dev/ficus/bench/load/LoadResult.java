package dev.ficus.bench.load;

import org.HdrHistogram.Histogram;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * What a run measured, over the measured window only (the warm-up is left out).
 *
 * @param config            what was asked
 * @param transport         "epoll" or "nio"
 * @param startTime         wall-clock start of the measured window
 * @param endTime           wall-clock end of the measured window
 * @param measured          length of the measured window
 * @param latency           response time minus intended send time, µs (corrected for coordinated
 *                          omission; in closed loop the two are the same); do not modify
 * @param serviceTime       response time minus actual send time, µs; do not modify
 * @param sent              requests sent, warm-up included
 * @param responsesInWindow complete responses that arrived inside the window: the achieved rate
 * @param statusCodes       measured responses by status code: the HTTP status (HTTP/1.1, h2c), the gRPC
 *                          status (0 is OK), or 0 for every TCP echo
 * @param errors            errors of measured requests by kind (connect errors at any time)
 * @param lateSends         measured requests sent after their intended time because the connection
 *                          was still busy: the schedule fell behind (open loop only)
 * @param responseSizes     header plus body bytes of measured responses (headers estimated)
 * @param headerSizes       header bytes of measured responses (estimated from the parsed headers)
 * @param connectionsOpened TCP connections opened, reconnects included
 */
public record LoadResult(LoadConfig config, String transport, Instant startTime, Instant endTime, Duration measured,
                         Histogram latency, Histogram serviceTime, long sent, long responsesInWindow,
                         Map<Integer, Long> statusCodes, Map<ErrorKind, Long> errors, long lateSends,
                         SizeStats responseSizes, SizeStats headerSizes, long connectionsOpened) {

    /** Responses per second that arrived inside the measured window. */
    public double achievedRate() {
        double seconds = measured.toNanos() / 1e9;
        return seconds <= 0 ? 0 : responsesInWindow / seconds;
    }

    public long errorCount() {
        return errors.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Measured responses with a 1xx..3xx status, gRPC calls with status 0 (OK), or complete TCP echoes. */
    public long successes() {
        return switch (config.protocol()) {
            case HTTP1, H2C -> statusCodes.entrySet().stream().filter(e -> e.getKey() < 400).mapToLong(Map.Entry::getValue).sum();
            case GRPC, TCP -> statusCodes.getOrDefault(0, 0L);
        };
    }

    /** A corrected latency percentile (0..100) in milliseconds. */
    public double latencyMillis(double percentile) {
        return latency.getTotalCount() == 0 ? 0 : latency.getValueAtPercentile(percentile) / 1000.0;
    }
}
