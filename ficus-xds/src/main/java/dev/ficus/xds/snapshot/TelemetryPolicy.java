package dev.ficus.xds.snapshot;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What one listener reports about the requests and connections it serves, resolved by the
 * translator from the workload it serves and the Telemetry resources (telemetry.istio.io/v1) that
 * apply to it (mesh, then namespace, then workload; the most specific wins per field). The proxy
 * compiles it once per snapshot into label sets, a sampler and a log filter.
 *
 * @param local     the workload on this side of the listener: the source of an outbound listener's
 *                  requests, the destination of an inbound listener's; its labels go into every metric
 * @param services  inbound listeners: the services the workload serves (destination_service); the
 *                  request's authority picks one, the first is the default. Empty elsewhere.
 * @param metrics   Istio's standard metrics and their overrides
 * @param tracing   spans and their sampling
 * @param accessLog JSON access log lines and their filter
 */
public record TelemetryPolicy(PeerWorkload local, List<ServiceRef> services, Metrics metrics, Tracing tracing, AccessLog accessLog) {
    /** Metrics on with no overrides, tracing on at Istio's default 1% sampling, access log as the proxy's default. */
    public static final TelemetryPolicy DEFAULT = new TelemetryPolicy(PeerWorkload.UNKNOWN, List.of(), Metrics.DEFAULT, Tracing.DEFAULT, AccessLog.DEFAULT);

    public TelemetryPolicy {
        local = local == null ? PeerWorkload.UNKNOWN : local;
        services = List.copyOf(services == null ? List.of() : services);
        metrics = metrics == null ? Metrics.DEFAULT : metrics;
        tracing = tracing == null ? Tracing.DEFAULT : tracing;
        accessLog = accessLog == null ? AccessLog.DEFAULT : accessLog;
    }

    public TelemetryPolicy withLocal(PeerWorkload w) { return new TelemetryPolicy(w, services, metrics, tracing, accessLog); }

    public TelemetryPolicy withServices(List<ServiceRef> s) { return new TelemetryPolicy(local, s, metrics, tracing, accessLog); }

    public TelemetryPolicy withMetrics(Metrics m) { return new TelemetryPolicy(local, services, m, tracing, accessLog); }

    public TelemetryPolicy withTracing(Tracing t) { return new TelemetryPolicy(local, services, metrics, t, accessLog); }

    public TelemetryPolicy withAccessLog(AccessLog a) { return new TelemetryPolicy(local, services, metrics, tracing, a); }

    /**
     * A workload as Istio's metric labels name it (WorkloadEntry name and namespace, its {@code app}
     * and {@code version} labels). Principals are not here: they come from the certificates of each
     * connection.
     */
    public record PeerWorkload(String workload, String namespace, String app, String version) {
        /** A side ficus knows nothing about (an unmeshed client or server): Istio's {@code unknown}. */
        public static final PeerWorkload UNKNOWN = new PeerWorkload("unknown", "unknown", "unknown", "unknown");

        public PeerWorkload {
            workload = orUnknown(workload);
            namespace = orUnknown(namespace);
            app = orUnknown(app);
            version = orUnknown(version);
        }

        private static String orUnknown(String s) { return s == null || s.isEmpty() ? "unknown" : s; }

        public boolean isUnknown() { return this.equals(UNKNOWN); }

        /** Istio's canonical service: the {@code app} label, else the workload name. */
        public String canonicalService() { return "unknown".equals(app) ? workload : app; }

        /** Istio's canonical revision: the {@code version} label, else {@code latest}. */
        public String canonicalRevision() { return "unknown".equals(version) ? "latest" : version; }
    }

    /** A service by its host ({@code reviews.shop.svc.cluster.local}), short name and namespace. */
    public record ServiceRef(String host, String name, String namespace) {
        public ServiceRef {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(namespace, "namespace");
        }
    }

    /**
     * Istio's standard metrics for this listener's direction.
     *
     * @param enabled   false: no istio_* metric is kept for this listener
     * @param overrides Telemetry {@code metrics[].overrides} that apply to this direction, in order
     */
    public record Metrics(boolean enabled, List<MetricOverride> overrides) {
        public static final Metrics DEFAULT = new Metrics(true, List.of());
        public static final Metrics OFF = new Metrics(false, List.of());

        public Metrics {
            overrides = List.copyOf(overrides == null ? List.of() : overrides);
        }
    }

    /**
     * One override: for {@code metric} (a Prometheus name, or empty for every standard metric),
     * drop the metric, or remove or set tags. A tag value is a literal or one of a few request
     * attributes ({@code request.headers['x-user']}, {@code request.method}, {@code request.path}...),
     * evaluated when the series is resolved.
     */
    public record MetricOverride(String metric, boolean disabled, List<String> removeTags, Map<String, String> upsertTags) {
        public MetricOverride {
            metric = metric == null ? "" : metric;
            removeTags = List.copyOf(removeTags == null ? List.of() : removeTags);
            upsertTags = Map.copyOf(upsertTags == null ? Map.of() : upsertTags);
        }

        public boolean appliesTo(String name) { return metric.isEmpty() || metric.equals(name); }
    }

    /**
     * Tracing for this listener.
     *
     * @param enabled         false: neither spans nor propagation of a new trace (an incoming trace
     *                        context is still forwarded as it is)
     * @param samplingPercent share of new traces sampled (0..100); an incoming sampled flag is respected
     * @param customTags      span attributes added to every span: name → tag
     */
    public record Tracing(boolean enabled, double samplingPercent, Map<String, CustomTag> customTags) {
        /** Istio's default: 1% of new traces. */
        public static final Tracing DEFAULT = new Tracing(true, 1.0, Map.of());

        public Tracing {
            if (!(samplingPercent >= 0 && samplingPercent <= 100)) throw new IllegalArgumentException("samplingPercent must be within 0..100: " + samplingPercent);
            customTags = Map.copyOf(customTags == null ? Map.of() : customTags);
        }
    }

    /** A custom span tag: a literal, a request header's value or an environment variable of the proxy. */
    public record CustomTag(Kind kind, String value, String defaultValue) {
        public enum Kind { LITERAL, HEADER, ENVIRONMENT }

        public CustomTag {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(value, "value");
        }
    }

    /**
     * Access logging for this listener, as the Telemetry resources that apply to its direction say.
     * Like Istio, which logs every request when the mesh's {@code accessLogFile} is set unless a
     * Telemetry says otherwise, the proxy decides what {@link State#DEFAULT} means: it logs when
     * {@code ficus proxy --access-log} is given.
     *
     * @param state  whether a Telemetry turned logging on or off, or said nothing
     * @param filter Istio's filter expression (a small CEL subset, e.g. {@code response.code >= 400});
     *               null logs every exchange. Only with {@link State#ON}.
     */
    public record AccessLog(State state, String filter) {
        /** No Telemetry has an accessLogging entry for this direction. */
        public static final AccessLog DEFAULT = new AccessLog(State.DEFAULT, null);
        /** A Telemetry turned logging off ({@code disabled: true}). */
        public static final AccessLog OFF = new AccessLog(State.OFF, null);
        /** A Telemetry turned logging on without a filter. */
        public static final AccessLog ALL = new AccessLog(State.ON, null);

        public enum State { DEFAULT, ON, OFF }

        public AccessLog {
            state = state == null ? State.DEFAULT : state;
            if (state != State.ON) filter = null;
            else if (filter != null && filter.isBlank()) filter = null;
        }

        /** Whether this listener logs, given whether the proxy logs by default ({@code --access-log}). */
        public boolean enabled(boolean byDefault) {
            return state == State.ON || state == State.DEFAULT && byDefault;
        }
    }
}
