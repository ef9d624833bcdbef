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
    FICUS_2HOP_MTLS_NO_TELEMETRY("ficus-2hop-mtls-no-telemetry", true);

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
