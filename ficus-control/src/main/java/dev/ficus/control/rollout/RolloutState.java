package dev.ficus.control.rollout;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the controller knows of one Rollout: persisted after every change so that a restarted
 * control plane resumes without shifting traffic twice. Immutable.
 *
 * @param revision  a digest of what the rollout moves (stable, canary, strategy): a new revision starts over
 * @param progress  the rollout's own plan (for a strangler: unused, always PROGRESSING at step 0)
 * @param routes    a strangler's routes that have moved or are moving, by name
 * @param lastCheck the latest check, for status
 * @param events    the latest events, oldest first (at most {@link #MAX_EVENTS})
 * @param parallelRun a parallel run's last report read by a check (JSON), kept once the run is over; null for other strategies
 */
public record RolloutState(String namespace, String name, String strategy, String revision, Progress progress,
                           Map<String, Progress> routes, Check lastCheck, List<Event> events, String parallelRun) {
    static final int MAX_EVENTS = 50;

    public RolloutState(String namespace, String name, String strategy, String revision, Progress progress,
                        Map<String, Progress> routes, Check lastCheck, List<Event> events) {
        this(namespace, name, strategy, revision, progress, routes, lastCheck, events, null);
    }

    public RolloutState {
        routes = routes == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(routes));
        events = events == null ? List.of() : List.copyOf(events);
    }

    /** One thing that happened, with why. */
    public record Event(long at, String type, String reason, String message) {
    }

    /** A check's outcome and what it read. */
    public record Check(long at, String verdict, String target, long requests, List<Metric> metrics, String summary) {
        public Check {
            metrics = metrics == null ? List.of() : List.copyOf(metrics);
        }
    }

    /** One metric of a check. */
    public record Metric(String name, double value, Double min, Double max, boolean passed, String detail) {
    }

    public String key() { return namespace + "/" + name; }

    RolloutState with(Progress p) { return new RolloutState(namespace, name, strategy, revision, p, routes, lastCheck, events, parallelRun); }

    RolloutState withRoutes(Map<String, Progress> r) { return new RolloutState(namespace, name, strategy, revision, progress, r, lastCheck, events, parallelRun); }

    RolloutState withCheck(Check c) { return new RolloutState(namespace, name, strategy, revision, progress, routes, c, events, parallelRun); }

    RolloutState withParallelRun(String json) { return new RolloutState(namespace, name, strategy, revision, progress, routes, lastCheck, events, json); }

    RolloutState event(long at, String type, String reason, String message) {
        List<Event> e = new ArrayList<>(events);
        e.add(new Event(at, type, reason, message));
        while (e.size() > MAX_EVENTS) e.removeFirst();
        return new RolloutState(namespace, name, strategy, revision, progress, routes, lastCheck, e, parallelRun);
    }
}
