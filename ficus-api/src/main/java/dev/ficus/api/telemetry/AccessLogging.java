package dev.ficus.api.telemetry;

import java.util.List;

/**
 * Istio's {@code AccessLogging}: which providers write access logs for the selected workloads,
 * for which direction, and a filter choosing which requests are logged.
 *
 * @param disabled true turns logging off for these providers; false turns on what a parent turned off
 */
public record AccessLogging(LogSelector match, List<ProviderRef> providers, Boolean disabled, Filter filter) {

    /** Istio's {@code AccessLogging.LogSelector}. */
    public record LogSelector(WorkloadMode mode) {
    }

    /**
     * Istio's {@code AccessLogging.Filter}: a CEL expression over request attributes, e.g.
     * {@code response.code >= 400}; a request is logged when it is true.
     */
    public record Filter(String expression) {
    }

    /** Whether this entry applies to traffic in {@code direction} (CLIENT or SERVER). */
    public boolean appliesTo(WorkloadMode direction) {
        return WorkloadMode.appliesTo(match == null ? null : match.mode(), direction);
    }
}
