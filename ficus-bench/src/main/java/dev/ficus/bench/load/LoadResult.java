package dev.ficus.bench.load;

import org.HdrHistogram.Histogram;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
 * @param instrument        what delayed the generator itself during the run ({@link Instrument#UNKNOWN}: not measured)
 */
public record LoadResult(LoadConfig config, String transport, Instant startTime, Instant endTime, Duration measured,
                         Histogram latency, Histogram serviceTime, long sent, long responsesInWindow,
                         Map<Integer, Long> statusCodes, Map<ErrorKind, Long> errors, long lateSends,
                         SizeStats responseSizes, SizeStats headerSizes, long connectionsOpened, Instrument instrument) {
    /**
     * A request whose slot was free at its due time but that went out at least this late was
     * delayed by the generator itself ({@link Instrument#ownLateSends}). Far above the timer's
     * own jitter (tens of µs), and about what one such delay adds to a request at 1000/s.
     */
    public static final long OWN_LATE_NANOS = 1_000_000;

    /**
     * The load generator's own delays over the measured window (open loop; closed-loop runs have
     * no due times and count none). Latency stays measured from the due time whatever delayed a
     * send; these say how much of it was the instrument's.
     *
     * @param ownLateness    how late the requests whose slot was free at the due time went out, µs (1 = on time);
     *                       do not modify
     * @param ownLateSends   of those, the ones at least {@link #OWN_LATE_NANOS} late
     * @param loopWaitNanos  the event loops' time runnable but waiting for a CPU over the run (warm-up
     *                       included; schedstat), summed; -1 when unknown
     * @param gcPauses       collections of the generator's JVM that overlapped the measured window
     * @param gcPauseMillis  their pause time, summed, as the JVM reports it
     * @param gcPauseMaxMillis the longest of them
     */
    public record Instrument(Histogram ownLateness, long ownLateSends, long loopWaitNanos, int gcPauses,
                             long gcPauseMillis, long gcPauseMaxMillis) {
        /** Not measured (a result made elsewhere than by the generator). */
        public static final Instrument UNKNOWN = new Instrument(new Histogram(1, 60_000_000, 3), 0, -1, 0, 0, 0);

        /** Whether the generator delayed a send itself or its JVM paused inside the measured window. */
        public boolean spoiled() {
            return ownLateSends > 0 || gcPauses > 0;
        }

        /** The longest delay of a send whose slot was free, ms. */
        public double maxOwnLatenessMillis() {
            return ownLateness.getTotalCount() == 0 ? 0 : ownLateness.getMaxValue() / 1000.0;
        }

        /** Why {@link #spoiled()}, in a few words ("" when not). */
        public String why() {
            List<String> parts = new ArrayList<>();
            if (ownLateSends > 0) {
                parts.add(String.format(Locale.ROOT, "%d sends >= %d ms late with a free connection (max %.1f ms)", ownLateSends,
                        OWN_LATE_NANOS / 1_000_000, maxOwnLatenessMillis()));
            }
            if (gcPauses > 0) parts.add(String.format(Locale.ROOT, "%d GC pause(s) of the generator's JVM, %d ms (max %d ms)", gcPauses, gcPauseMillis, gcPauseMaxMillis));
            return String.join("; ", parts);
        }
    }

    /** A result without the instrument's own figures. */
    public LoadResult(LoadConfig config, String transport, Instant startTime, Instant endTime, Duration measured,
                      Histogram latency, Histogram serviceTime, long sent, long responsesInWindow,
                      Map<Integer, Long> statusCodes, Map<ErrorKind, Long> errors, long lateSends,
                      SizeStats responseSizes, SizeStats headerSizes, long connectionsOpened) {
        this(config, transport, startTime, endTime, measured, latency, serviceTime, sent, responsesInWindow, statusCodes, errors,
                lateSends, responseSizes, headerSizes, connectionsOpened, Instrument.UNKNOWN);
    }

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
