package dev.ficus.bench.mesh;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** One path the load takes to the backend; the name is what {@code --scenarios} and the reports use. */
public enum Scenario {
    /** client → backend: the baseline every other path is compared with. */
    DIRECT("direct", false),
    /** client → HAProxy (one thread) → backend. */
    HAPROXY("haproxy", false),
    /** client → nginx (one worker) → backend. */
    NGINX("nginx", false),
    /** client → one standalone {@code ficus proxy} (one event loop) → backend. */
    FICUS_1HOP("ficus-1hop", false),
    /**
     * The same proxy with its Istio metrics and spans turned off (a mesh-wide Telemetry resource in
     * its config directory): compared with {@link #FICUS_1HOP}, what telemetry costs the
     * destination reporter (an inbound listener).
     */
    FICUS_1HOP_NO_TELEMETRY("ficus-1hop-no-telemetry", false),
    /** The same proxy writing an access log line per request to a file: compared with {@link #FICUS_1HOP}, what the access log costs. */
    FICUS_1HOP_ACCESS_LOG("ficus-1hop-access-log", false),
    /** client → ficus proxy A (outbound) → ficus proxy B (Sidecar ingress) → backend, plaintext between A and B. */
    FICUS_2HOP("ficus-2hop", false),
    /** The same two hops with mesh mTLS between A and B (STRICT on B). */
    FICUS_2HOP_MTLS("ficus-2hop-mtls", true),
    /** The same, plus an AuthorizationPolicy on B whose last rule admits the request. */
    FICUS_2HOP_MTLS_AUTHZ("ficus-2hop-mtls-authz", true),
    /**
     * Two hops with mTLS and telemetry turned off mesh-wide (a Telemetry resource disables every
     * metric and span): compared with {@link #FICUS_2HOP_MTLS}, what telemetry costs.
     */
    FICUS_2HOP_MTLS_NO_TELEMETRY("ficus-2hop-mtls-no-telemetry", true),
    /**
     * Two hops with mTLS, every request traced: a Telemetry resource samples 100% and both proxies
     * export OTLP/HTTP to a sink inside the benchmark that counts the spans and discards them.
     * Compared with {@link #FICUS_2HOP_MTLS} (metrics on, no tracer), what tracing at 100% costs.
     */
    FICUS_2HOP_MTLS_TRACING("ficus-2hop-mtls-tracing", true);

    /**
     * A scenario that differs from another by one feature: {@code with} has it, {@code without}
     * does not. The report gives the per-round ratios with/without of every pair that ran.
     */
    public record Pair(String feature, Scenario with, Scenario without) {
    }

    /** The pairs the report compares round by round, and that rounds keep adjacent. */
    public static final java.util.List<Pair> PAIRS = java.util.List.of(
            new Pair("telemetry, one hop (destination reporter)", FICUS_1HOP, FICUS_1HOP_NO_TELEMETRY),
            new Pair("telemetry, two hops with mTLS (source and destination reporters)", FICUS_2HOP_MTLS, FICUS_2HOP_MTLS_NO_TELEMETRY),
            new Pair("tracing at 100%, two hops with mTLS", FICUS_2HOP_MTLS_TRACING, FICUS_2HOP_MTLS),
            new Pair("access log to a file, one hop", FICUS_1HOP_ACCESS_LOG, FICUS_1HOP));

    /** Whether the proxies of this scenario count Istio's metrics (checked before measuring). */
    public boolean metrics() {
        return this != FICUS_1HOP_NO_TELEMETRY && this != FICUS_2HOP_MTLS_NO_TELEMETRY;
    }

    /** Whether the proxies export every request's span to the benchmark's OTLP sink. */
    public boolean tracing() {
        return this == FICUS_2HOP_MTLS_TRACING;
    }

    /** Whether this is ficus proxies (the others are the baseline and the peer proxies). */
    public boolean ficus() {
        return label.startsWith("ficus-");
    }

    private final String label;
    private final boolean mtls;

    Scenario(String label, boolean mtls) {
        this.label = label;
        this.mtls = mtls;
    }

    public String label() { return label; }

    /** Whether A and B speak mesh mTLS (checked on B before measuring). */
    public boolean mtls() { return mtls; }

    /** By label, e.g. {@code ficus-2hop-mtls}; the message lists the labels. */
    public static Scenario parse(String label) {
        String l = label.trim().toLowerCase(Locale.ROOT);
        for (Scenario s : values()) if (s.label.equals(l)) return s;
        throw new IllegalArgumentException("unknown scenario '" + label + "'; known: " + labels());
    }

    public static String labels() {
        return Arrays.stream(values()).map(Scenario::label).collect(Collectors.joining(", "));
    }
}
