package dev.ficus.api.telemetry;

import java.util.Map;

/**
 * Istio's {@code MetricsOverrides}: turn metrics off or on, or change their labels (tags).
 *
 * @param match        which metrics and direction; absent means all metrics, both directions
 * @param disabled     true turns the metrics off; false turns on what a parent turned off
 * @param tagOverrides label name to operation
 */
public record MetricsOverrides(MetricSelector match, Boolean disabled, Map<String, TagOverride> tagOverrides) {

    /** Istio's {@code MetricsOverrides.TagOverride}. */
    public record TagOverride(Operation operation, String value) {
        /** The operation, UPSERT when unset (Istio's default). */
        public Operation operationOrDefault() {
            return operation == null ? Operation.UPSERT : operation;
        }
    }

    /** Istio's {@code MetricsOverrides.TagOverride.Operation}. */
    public enum Operation {
        /** Add the label or replace its value with {@code value}, an expression over request attributes. */
        UPSERT,
        /** Leave the label out. */
        REMOVE
    }
}
