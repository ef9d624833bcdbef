package dev.ficus.api.telemetry;

import dev.ficus.api.bind.OneOf;
import dev.ficus.api.bind.Required;
import dev.ficus.api.bind.Unsupported;

import java.util.List;
import java.util.Map;

/**
 * Istio's {@code Tracing}: which provider receives spans, how many requests are sampled when no
 * upstream decision exists, and extra span tags. {@code customTags}, when set, replace the
 * parent's tags entirely.
 *
 * @param randomSamplingPercentage 0..100 in steps of 0.01; unset inherits (the mesh default is 0)
 * @param disableSpanReporting     true stops span reporting; context is still propagated
 */
public record Tracing(
        TracingSelector match,
        List<ProviderRef> providers,
        Double randomSamplingPercentage,
        Boolean disableSpanReporting,
        Map<String, CustomTag> customTags,
        @Unsupported("ficus does not sample by Envoy-format request ids") Boolean useRequestIdForTraceSampling) {

    /** Istio's {@code Tracing.TracingSelector}. */
    public record TracingSelector(WorkloadMode mode) {
    }

    /** Istio's {@code Tracing.CustomTag}: exactly one source of the tag's value. */
    @OneOf(value = {"literal", "environment", "header"}, required = true)
    public record CustomTag(Literal literal, Environment environment, RequestHeader header) {
    }

    /** Istio's {@code Tracing.Literal}: the same value on every span. */
    public record Literal(@Required String value) {
    }

    /** Istio's {@code Tracing.Environment}: the value of a proxy environment variable. */
    public record Environment(@Required String name, String defaultValue) {
    }

    /** Istio's {@code Tracing.RequestHeader}: the value of a request header. */
    public record RequestHeader(@Required String name, String defaultValue) {
    }

    /** Whether this entry applies to traffic in {@code direction} (CLIENT or SERVER). */
    public boolean appliesTo(WorkloadMode direction) {
        return WorkloadMode.appliesTo(match == null ? null : match.mode(), direction);
    }
}
