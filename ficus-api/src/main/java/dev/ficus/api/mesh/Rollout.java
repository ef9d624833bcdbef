package dev.ficus.api.mesh;

import dev.ficus.api.bind.OneOf;
import dev.ficus.api.bind.Required;
import dev.ficus.api.networking.Destination;
import dev.ficus.api.networking.HTTPMatchRequest;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Rollout spec (mesh.ficus.dev/v1alpha1): moves the traffic of an existing VirtualService from a
 * stable destination to a candidate one step at a time, checks the candidate against mesh
 * telemetry at every interval, and rolls back on its own when the checks fail. The rollout
 * controller owns the weights of the routes it drives: users edit the Rollout, never the weights.
 *
 * @param virtualService   the VirtualService (same namespace) whose HTTP routes are driven
 * @param routes           names of the VirtualService's HTTP routes to drive; unset: every route
 *                         that sends traffic to {@code stable} or {@code canary}
 * @param stable           what serves today (a host and usually a subset); the strangler strategy
 *                         calls it the legacy service
 * @param canary           what should serve tomorrow (not used by the strangler strategy, whose
 *                         routes name their own destinations)
 * @param strategy         how the traffic moves: exactly one of its fields
 * @param analysis         the checks run at every interval while the candidate takes traffic
 * @param progressDeadline how long the rollout may go without moving a step (paused by a user does
 *                         not count) before it rolls back; {@link #DEFAULT_PROGRESS_DEADLINE} when unset
 */
public record Rollout(
        @Required String virtualService,
        List<String> routes,
        Destination stable,
        Destination canary,
        @Required Strategy strategy,
        Analysis analysis,
        Duration progressDeadline) {

    public static final Duration DEFAULT_PROGRESS_DEADLINE = Duration.ofMinutes(10);

    public Duration progressDeadlineOrDefault() {
        return progressDeadline == null ? DEFAULT_PROGRESS_DEADLINE : progressDeadline;
    }

    public Analysis analysisOrDefault() {
        return analysis == null ? new Analysis(null, null, null, List.of(), List.of(), null) : analysis;
    }

    /** The ways traffic can move; exactly one is set. */
    @OneOf(value = {"canary", "blueGreen", "strangler", "parallelRun", "bigBang"}, required = true)
    public record Strategy(Canary canary, BlueGreen blueGreen, Strangler strangler, ParallelRun parallelRun, BigBang bigBang) {
        /** The name of the strategy set, as the YAML spells it. */
        public String name() {
            if (canary != null) return "canary";
            if (blueGreen != null) return "blueGreen";
            if (strangler != null) return "strangler";
            if (parallelRun != null) return "parallelRun";
            if (bigBang != null) return "bigBang";
            return "none";
        }
    }

    /**
     * A canary: the candidate takes a growing share of traffic. Steps are written out
     * ({@code steps}), or generated as Flagger does: {@code stepWeights}, else {@code stepWeight}
     * increments up to {@code maxWeight}; each generated weight holds for one passing check.
     * With {@code match}, an A/B phase comes first: for {@code iterations} passing checks only
     * requests that match go to the candidate.
     *
     * @param steps       explicit steps, in order
     * @param stepWeight  the increment of generated steps (percent)
     * @param maxWeight   the last generated weight before promotion (percent, default 100 when stepWeight is set)
     * @param stepWeights generated steps' weights, ascending
     * @param match       requests sent to the candidate during the A/B phase (header or cookie matches)
     * @param iterations  passing checks the A/B phase lasts (default 1 when {@code match} is set)
     */
    public record Canary(List<Step> steps, Integer stepWeight, Integer maxWeight, List<Integer> stepWeights,
                         List<HTTPMatchRequest> match, Integer iterations) {
    }

    /** One step of a canary: exactly one field is set. */
    @OneOf(value = {"setWeight", "pause", "analysis"}, required = true)
    public record Step(Integer setWeight, Pause pause, StepAnalysis analysis) {
    }

    /** Waits {@code duration}, or without one until {@code ficus rollout promote}. */
    public record Pause(Duration duration) {
    }

    /** Waits for {@code checks} passing checks in a row at the current weight (default 1). */
    public record StepAnalysis(Integer checks) {
    }

    /**
     * Blue-green: the candidate takes no user traffic until promoted, except requests that match
     * {@code previewMatch} (a header, a cookie, a host). After {@code prePromotionChecks} passing
     * checks on the preview traffic (0: none) all traffic switches at once; during the
     * {@code postPromotionWindow} failing checks switch it back.
     *
     * @param autoPromote false: wait for {@code ficus rollout promote} after the pre-promotion checks
     */
    public record BlueGreen(List<HTTPMatchRequest> previewMatch, Integer prePromotionChecks, Boolean autoPromote,
                            Duration postPromotionWindow) {
    }

    /**
     * Big bang: all driven routes switch to the candidate in one push, after optional checks
     * through a preview route, and switch back when the checks of the post-switch window fail.
     */
    public record BigBang(List<HTTPMatchRequest> previewMatch, Integer preChecks, Duration postPromotionWindow) {
    }

    /**
     * Strangler fig: a table of routes moving one by one from the legacy service ({@code stable})
     * to new services. Requests that no migrated route matches go to legacy.
     *
     * @param routes   the table, in match order
     * @param fallback whether a new service's failure is retried on legacy
     */
    public record Strangler(@Required List<StranglerRoute> routes, Fallback fallback) {
    }

    /**
     * One strangler route.
     *
     * @param name        the route's name (unique in the Rollout)
     * @param match       which requests it covers (path prefix/regex, methods ...)
     * @param destination the new service for them
     * @param migrate     true: move this route now (or keep it moved); false or unset: it stays on legacy
     * @param canary      move it as a canary with these weights rather than at once
     */
    public record StranglerRoute(@Required String name, @Required List<HTTPMatchRequest> match, @Required Destination destination,
                                 Boolean migrate, Canary canary) {
        public boolean migrating() { return Boolean.TRUE.equals(migrate); }
    }

    /**
     * Retry a new service's failure (5xx, connect failure, reset) on legacy.
     *
     * @param allowNonIdempotent also for POST, PATCH and other methods that are not idempotent
     */
    public record Fallback(Boolean enabled, Boolean allowNonIdempotent) {
        public boolean on() { return !Boolean.FALSE.equals(enabled); }
    }

    /**
     * Parallel run: a share of the stable's traffic is also sent to the candidate (and, to learn
     * what differs by nature, to a second instance of the stable), the responses are compared and
     * the rollout promotes when few differ.
     *
     * @param percentage         share of requests mirrored (default 100)
     * @param secondary          a second destination that serves as stable does: differences
     *                           between it and stable mark fields as nondeterministic (Diffy's noise filter)
     * @param compareHeaders     response headers compared besides status and body
     * @param ignore             body fields never compared (JSON paths such as {@code $.generatedAt}, {@code $.items[*].id})
     * @param allowUnsafeMethods mirror POST, PUT, PATCH, DELETE too (off: only GET, HEAD, OPTIONS)
     * @param maxMismatchPercent promotion needs at most this share of compared responses to differ ({@value #DEFAULT_MAX_MISMATCH_PERCENT})
     * @param minRequests        promotion needs at least this many compared responses ({@value #DEFAULT_MIN_REQUESTS})
     * @param maxBodyBytes       bodies larger than this are compared by status and headers only
     */
    public record ParallelRun(Double percentage, Destination secondary, List<String> compareHeaders, List<String> ignore,
                              Boolean allowUnsafeMethods, Double maxMismatchPercent, Integer minRequests, Integer maxBodyBytes) {
        public static final double DEFAULT_MAX_MISMATCH_PERCENT = 1.0;
        public static final int DEFAULT_MIN_REQUESTS = 100;

        public double maxMismatchPercentOrDefault() { return maxMismatchPercent == null ? DEFAULT_MAX_MISMATCH_PERCENT : maxMismatchPercent; }

        public int minRequestsOrDefault() { return minRequests == null ? DEFAULT_MIN_REQUESTS : minRequests; }
    }

    /**
     * The checks of a rollout.
     *
     * @param interval         how often checks run, and the window of mesh telemetry each one reads ({@link #DEFAULT_INTERVAL})
     * @param failureLimit     failed checks (in total, for this rollout) that roll it back ({@link #DEFAULT_FAILURE_LIMIT})
     * @param minRequests      a check over fewer candidate requests is inconclusive: it neither passes nor fails ({@link #DEFAULT_MIN_REQUESTS})
     * @param metrics          what is checked
     * @param webhooks         who is asked, and when
     * @param prometheus       where metrics with a {@code query} are read
     */
    public record Analysis(Duration interval, Integer failureLimit, Integer minRequests, List<Metric> metrics, List<Webhook> webhooks,
                           Prometheus prometheus) {
        public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(30);
        public static final int DEFAULT_FAILURE_LIMIT = 2;
        public static final int DEFAULT_MIN_REQUESTS = 10;

        public Duration intervalOrDefault() { return interval == null ? DEFAULT_INTERVAL : interval; }

        public int failureLimitOrDefault() { return failureLimit == null ? DEFAULT_FAILURE_LIMIT : failureLimit; }

        public int minRequestsOrDefault() { return minRequests == null ? DEFAULT_MIN_REQUESTS : minRequests; }
    }

    /**
     * One check, in Flagger's shape. Built-in names read the mesh's own telemetry of the
     * candidate: {@value #REQUEST_SUCCESS_RATE} (percent of requests not answered 5xx),
     * {@value #REQUEST_DURATION} (p99 in milliseconds), {@value #ERROR_COUNT} (5xx answers in the
     * interval). Any other name needs a PromQL {@code query} whose result is one number.
     */
    public record Metric(@Required String name, Range thresholdRange, String query) {
        public static final String REQUEST_SUCCESS_RATE = "request-success-rate";
        public static final String REQUEST_DURATION = "request-duration";
        public static final String ERROR_COUNT = "error-count";
        public static final List<String> BUILT_IN = List.of(REQUEST_SUCCESS_RATE, REQUEST_DURATION, ERROR_COUNT);
    }

    /** Bounds a value must stay within (both inclusive; either may be unset). */
    public record Range(Double min, Double max) {
        public boolean holds(double v) {
            return (min == null || v >= min) && (max == null || v <= max);
        }
    }

    /**
     * A call out, as Flagger's webhooks: an HTTP POST with a JSON payload (name, namespace, phase,
     * step, weight, metadata). A non-2xx answer holds a {@code pre-rollout} or {@code
     * confirm-promotion} gate and fails a {@code rollout} check; {@code post-rollout} and {@code
     * rollback} are told only.
     *
     * @param type one of {@link #TYPES}; {@code rollout} when unset
     */
    public record Webhook(@Required String name, String type, @Required String url, Duration timeout, Map<String, String> metadata) {
        public static final List<String> TYPES = List.of("pre-rollout", "rollout", "confirm-promotion", "post-rollout", "rollback");
        public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

        public String typeOrDefault() { return type == null ? "rollout" : type; }

        public Duration timeoutOrDefault() { return timeout == null ? DEFAULT_TIMEOUT : timeout; }
    }

    /** An external Prometheus (its HTTP API at {@code address}) that answers metrics with a query. */
    public record Prometheus(@Required String address) {
    }
}
