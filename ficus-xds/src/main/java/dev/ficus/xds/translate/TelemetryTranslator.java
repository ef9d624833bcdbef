package dev.ficus.xds.translate;

import dev.ficus.api.Kind;
import dev.ficus.api.Resource;
import dev.ficus.api.config.ConfigSet;
import dev.ficus.api.networking.Hosts;
import dev.ficus.api.networking.ServiceEntry;
import dev.ficus.api.telemetry.AccessLogging;
import dev.ficus.api.telemetry.MetricSelector;
import dev.ficus.api.telemetry.MetricsOverrides;
import dev.ficus.api.telemetry.Telemetry;
import dev.ficus.api.telemetry.Tracing;
import dev.ficus.api.telemetry.WorkloadMode;
import dev.ficus.xds.snapshot.TelemetryPolicy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Resolves what a proxy's listeners report: the workload the proxy serves (labels of Istio's
 * standard metrics), the services it serves (destination_service on inbound listeners) and the
 * Telemetry resources that apply to it.
 *
 * <p>Istio's precedence: the selector-less Telemetry of the root namespace (mesh), then the
 * selector-less one of the proxy's namespace, then those of that namespace whose selector matches
 * the proxy's labels. For tracing each field is taken from the most specific level that sets it
 * (custom tags merge by name); metric overrides of all levels apply in that order, so a workload's
 * override comes last and wins; access logging is the last entry for the direction at the most
 * specific level that has one. CLIENT settings go to outbound and gateway listeners, SERVER ones to
 * inbound listeners.
 */
final class TelemetryTranslator {
    private final List<Telemetry> levels; // mesh, namespace, workload
    private final TelemetryPolicy.PeerWorkload local;
    private final List<TelemetryPolicy.ServiceRef> services;

    TelemetryTranslator(ConfigSet config, ProxyIdentity who) {
        List<Telemetry> mesh = new ArrayList<>(), ns = new ArrayList<>(), workload = new ArrayList<>();
        for (Resource<Telemetry> r : config.all(Kind.TELEMETRY, Telemetry.class)) {
            Telemetry t = r.spec();
            if (t.targetRef() != null || !t.targetRefs().isEmpty()) continue; // refused by validation
            boolean wide = t.isNamespaceWide();
            if (wide && r.namespace().equals(Translator.ROOT_NAMESPACE)) mesh.add(t);
            else if (r.namespace().equals(who.namespace())) {
                if (wide) ns.add(t);
                else if (t.selector().matches(who.labels())) workload.add(t);
            }
        }
        this.levels = new ArrayList<>();
        levels.addAll(mesh);
        if (!who.namespace().equals(Translator.ROOT_NAMESPACE)) levels.addAll(ns);
        levels.addAll(workload);
        this.local = new TelemetryPolicy.PeerWorkload(who.name(), who.namespace(), who.labels().get("app"), who.labels().get("version"));
        this.services = servicesOf(config, who);
    }

    /** The policy of a listener whose traffic is {@code direction} (CLIENT: outbound and gateway; SERVER: inbound). */
    TelemetryPolicy policy(WorkloadMode direction) {
        return new TelemetryPolicy(local, direction == WorkloadMode.SERVER ? services : List.of(),
                metrics(direction), tracing(direction), accessLog(direction));
    }

    private TelemetryPolicy.Metrics metrics(WorkloadMode direction) {
        List<TelemetryPolicy.MetricOverride> out = new ArrayList<>();
        for (Telemetry t : levels) {
            for (var m : t.metrics()) {
                for (MetricsOverrides o : m.overrides()) {
                    MetricSelector sel = o.match();
                    if (sel != null && !WorkloadMode.appliesTo(sel.mode(), direction)) continue;
                    if (sel != null && sel.customMetric() != null) continue; // ficus has no custom metrics: nothing to override
                    String name = sel == null || sel.metric() == null ? "" : sel.metric().prometheusName();
                    List<String> remove = new ArrayList<>();
                    Map<String, String> upsert = new LinkedHashMap<>();
                    o.tagOverrides().forEach((tag, op) -> {
                        if (op.operationOrDefault() == MetricsOverrides.Operation.REMOVE) remove.add(tag);
                        else if (op.value() != null) upsert.put(tag, op.value());
                    });
                    out.add(new TelemetryPolicy.MetricOverride(name, Boolean.TRUE.equals(o.disabled()), remove, upsert));
                }
            }
        }
        // an override of every metric decides whether any is kept at all; the last one wins
        boolean enabled = true;
        for (TelemetryPolicy.MetricOverride o : out) if (o.metric().isEmpty() && o.removeTags().isEmpty() && o.upsertTags().isEmpty()) enabled = !o.disabled();
        if (!enabled) return TelemetryPolicy.Metrics.OFF;
        return new TelemetryPolicy.Metrics(true, out);
    }

    private TelemetryPolicy.Tracing tracing(WorkloadMode direction) {
        boolean enabled = true;
        double sampling = TelemetryPolicy.Tracing.DEFAULT.samplingPercent();
        Map<String, TelemetryPolicy.CustomTag> tags = new LinkedHashMap<>();
        for (Telemetry t : levels) {
            for (Tracing tr : t.tracing()) {
                if (!tr.appliesTo(direction)) continue;
                if (tr.disableSpanReporting() != null) enabled = !tr.disableSpanReporting();
                if (tr.randomSamplingPercentage() != null) sampling = tr.randomSamplingPercentage();
                tr.customTags().forEach((name, tag) -> tags.put(name, customTag(tag)));
            }
        }
        return new TelemetryPolicy.Tracing(enabled, sampling, tags);
    }

    private static TelemetryPolicy.CustomTag customTag(Tracing.CustomTag t) {
        if (t.literal() != null) return new TelemetryPolicy.CustomTag(TelemetryPolicy.CustomTag.Kind.LITERAL, t.literal().value(), null);
        if (t.header() != null) return new TelemetryPolicy.CustomTag(TelemetryPolicy.CustomTag.Kind.HEADER, t.header().name(), t.header().defaultValue());
        return new TelemetryPolicy.CustomTag(TelemetryPolicy.CustomTag.Kind.ENVIRONMENT, t.environment().name(), t.environment().defaultValue());
    }

    /**
     * Istio's merge of accessLogging, with ficus's one log standing for every provider: the last
     * entry for the direction at the most specific level decides, {@code disabled: true} turns
     * logging off and anything else on with that entry's filter (a filter is not inherited from a
     * parent level, as in Istio). Without any entry for the direction the proxy's default applies
     * ({@code --access-log}, Istio's {@code accessLogFile}); Istio drops that default for both
     * directions once any entry exists, ficus only for the direction an entry names.
     */
    private TelemetryPolicy.AccessLog accessLog(WorkloadMode direction) {
        TelemetryPolicy.AccessLog out = TelemetryPolicy.AccessLog.DEFAULT;
        for (Telemetry t : levels) {
            for (AccessLogging a : t.accessLogging()) {
                if (!a.appliesTo(direction)) continue;
                out = Boolean.TRUE.equals(a.disabled()) ? TelemetryPolicy.AccessLog.OFF
                        : new TelemetryPolicy.AccessLog(TelemetryPolicy.AccessLog.State.ON, a.filter() == null ? null : a.filter().expression());
            }
        }
        return out;
    }

    /** The services whose ServiceEntry selects the proxy's workload, as metric labels name them. */
    private static List<TelemetryPolicy.ServiceRef> servicesOf(ConfigSet config, ProxyIdentity who) {
        List<TelemetryPolicy.ServiceRef> out = new ArrayList<>();
        for (Resource<ServiceEntry> se : config.all(Kind.SERVICE_ENTRY, ServiceEntry.class)) {
            var sel = se.spec().workloadSelector();
            if (sel == null || !se.namespace().equals(who.namespace()) || !sel.matches(who.labels())) continue;
            for (String h : se.spec().hosts()) {
                String host = Hosts.fqdn(h, se.namespace());
                out.add(new TelemetryPolicy.ServiceRef(host, shortName(host, se.namespace()), se.namespace()));
            }
        }
        return out;
    }

    /** {@code reviews} for {@code reviews.shop.svc.cluster.local}; other hosts are their own name (as Istio names ServiceEntry hosts). */
    static String shortName(String host, String namespace) {
        int dot = host.indexOf('.');
        if (dot > 0 && host.startsWith("." + namespace + ".svc.", dot)) return host.substring(0, dot);
        return host;
    }
}
