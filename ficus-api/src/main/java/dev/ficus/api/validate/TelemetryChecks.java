package dev.ficus.api.validate;

import dev.ficus.api.Kind;
import dev.ficus.api.Resource;
import dev.ficus.api.cel.Cel;
import dev.ficus.api.cel.CelParseException;
import dev.ficus.api.config.ConfigSet;
import dev.ficus.api.telemetry.AccessLogging;
import dev.ficus.api.telemetry.Metrics;
import dev.ficus.api.telemetry.MetricsOverrides;
import dev.ficus.api.telemetry.ProviderRef;
import dev.ficus.api.telemetry.Telemetry;
import dev.ficus.api.telemetry.Tracing;

import java.util.List;
import java.util.Map;

/**
 * Istio's validation rules for Telemetry, stricter: sampling in range, provider and tag names
 * non-empty, tag overrides consistent with their operation, access-log filters in the CEL subset
 * the proxy evaluates ({@link dev.ficus.api.cel.Cel}), and one selector-less Telemetry per
 * namespace (the rule Istio documents but does not enforce).
 */
final class TelemetryChecks implements Check<Telemetry> {

    @Override
    public void check(Resource<Telemetry> r, ConfigSet all, Report report) {
        Telemetry spec = r.spec();
        AuthorizationPolicyChecks.checkSelector(spec.selector(), "spec.selector", report);
        for (int i = 0; i < spec.tracing().size(); i++) {
            checkTracing(spec.tracing().get(i), "spec.tracing[" + i + "]", report);
        }
        for (int i = 0; i < spec.metrics().size(); i++) {
            checkMetrics(spec.metrics().get(i), "spec.metrics[" + i + "]", report);
        }
        for (int i = 0; i < spec.accessLogging().size(); i++) {
            checkAccessLogging(spec.accessLogging().get(i), "spec.accessLogging[" + i + "]", report);
        }
        checkScope(r, all, report);
    }

    private static void checkTracing(Tracing t, String path, Report report) {
        checkProviders(t.providers(), path + ".providers", report);
        if (t.providers().size() > 1) {
            report.error(path + ".providers", "a tracing entry takes one provider, got " + t.providers().size()
                    + "; add one tracing entry per provider");
        }
        Double pct = t.randomSamplingPercentage();
        if (pct != null && (pct < 0 || pct > 100)) {
            report.error(path + ".randomSamplingPercentage", "must be between 0 and 100 (a percentage, e.g. 1.5 for 1.5% of requests), got " + pct);
        }
        for (Map.Entry<String, Tracing.CustomTag> e : t.customTags().entrySet()) {
            String p = AuthorizationPolicyChecks.key(path + ".customTags", e.getKey());
            if (e.getKey().isBlank()) {
                report.error(p, "empty tag name; write the span tag to add, e.g. environment");
            }
            Tracing.CustomTag tag = e.getValue();
            if (tag.literal() != null && tag.literal().value() != null && tag.literal().value().isEmpty()) {
                report.error(p + ".literal.value", "empty literal; write the value every span gets, or remove the tag");
            }
            if (tag.environment() != null && tag.environment().name() != null && tag.environment().name().isBlank()) {
                report.error(p + ".environment.name", "empty environment variable name; write one the proxy has, e.g. POD_NAME");
            }
            if (tag.header() != null && tag.header().name() != null && !AuthorizationPolicyChecks.isHeaderName(tag.header().name())) {
                report.error(p + ".header.name", "'" + tag.header().name() + "' is not a valid header name; write one such as x-user-id");
            }
        }
    }

    private static void checkMetrics(Metrics m, String path, Report report) {
        checkProviders(m.providers(), path + ".providers", report);
        if (m.reportingInterval() != null && m.reportingInterval().isZero()) {
            report.error(path + ".reportingInterval", "must be more than 0, e.g. 15s; remove it for the default of 5s");
        }
        for (int i = 0; i < m.overrides().size(); i++) {
            String p = path + ".overrides[" + i + "]";
            MetricsOverrides o = m.overrides().get(i);
            if (o.match() != null && o.match().customMetric() != null && o.match().customMetric().isBlank()) {
                report.error(p + ".match.customMetric", "empty custom metric name; write the metric's name, or use 'metric' for a standard one");
            }
            for (Map.Entry<String, MetricsOverrides.TagOverride> e : o.tagOverrides().entrySet()) {
                String tp = AuthorizationPolicyChecks.key(p + ".tagOverrides", e.getKey());
                MetricsOverrides.TagOverride t = e.getValue();
                if (e.getKey().isBlank()) {
                    report.error(tp, "empty tag name; write the metric label to change, e.g. request_host");
                }
                boolean hasValue = t.value() != null && !t.value().isEmpty();
                if (t.operationOrDefault() == MetricsOverrides.Operation.UPSERT && !hasValue) {
                    report.error(tp, "operation " + (t.operation() == null ? "UPSERT (the default)" : "UPSERT")
                            + " needs a value, an expression such as request.host or string(destination.port); "
                            + "or set operation: REMOVE to drop the tag");
                } else if (t.operationOrDefault() == MetricsOverrides.Operation.REMOVE && t.value() != null) {
                    report.error(tp + ".value", "operation REMOVE takes no value; remove the value, or use operation: UPSERT to set the tag");
                } else if (hasValue && dev.ficus.api.telemetry.TagExpression.parse(t.value()).isEmpty()) {
                    report.warning(tp + ".value", "ficus's proxies evaluate " + dev.ficus.api.telemetry.TagExpression.SUPPORTED
                            + "; this tag is written as 'unknown'");
                }
            }
        }
    }

    private static void checkAccessLogging(AccessLogging a, String path, Report report) {
        checkProviders(a.providers(), path + ".providers", report);
        if (a.filter() != null && (a.filter().expression() == null || a.filter().expression().isBlank())) {
            report.error(path + ".filter", "a filter needs a non-empty expression, e.g. 'expression: response.code >= 400'; remove filter to log every request");
        } else if (a.filter() != null) {
            String expr = a.filter().expression();
            try {
                Cel.parse(expr);
            } catch (CelParseException e) {
                // one line (same length, so the column still points into what is shown)
                String shown = expr.stripTrailing().replace('\n', ' ').replace('\r', ' ');
                report.error(path + ".filter.expression", "ficus cannot evaluate '" + shown + "': at column " + e.column() + ", " + e.reason());
            }
        }
    }

    private static void checkProviders(List<ProviderRef> providers, String path, Report report) {
        for (int i = 0; i < providers.size(); i++) {
            String name = providers.get(i).name();
            if (name != null && name.isBlank()) {
                report.error(path + "[" + i + "].name", "empty provider name; write the name of a provider of the mesh configuration, e.g. prometheus or envoy");
            }
        }
    }

    private static void checkScope(Resource<Telemetry> r, ConfigSet all, Report report) {
        for (Resource<Telemetry> other : all.all(Kind.TELEMETRY, Telemetry.class)) {
            if (other == r) return;
            if (!other.namespace().equals(r.namespace()) || other.name().equals(r.name())) continue;
            Telemetry a = other.spec();
            Telemetry b = r.spec();
            boolean same = (a.isNamespaceWide() && b.isNamespaceWide())
                    || (!a.isNamespaceWide() && !b.isNamespaceWide() && a.selector().matchLabels().equals(b.selector().matchLabels()));
            if (same && a.targetRef() == null && b.targetRef() == null && a.targetRefs().isEmpty() && b.targetRefs().isEmpty()) {
                String scope = b.isNamespaceWide() ? "both apply to the whole namespace " + r.namespace() + " (no selector)"
                        : "both select the same workloads";
                report.error("metadata.name", "conflicts with Telemetry/" + other.name() + " at " + other.origin() + ": " + scope
                        + "; merge them into one resource or give this one a different selector");
                return;
            }
        }
    }
}
