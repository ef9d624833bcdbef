package dev.ficus.control.graph;

import java.util.Objects;

/**
 * One edge as one reporter of one proxy counts it: Istio's series of an edge, with the labels
 * of the outcome (status, flags, security) folded into {@link EdgeCounters}.
 *
 * @param service the {@code destination_service} host, or {@code unknown} (no route)
 */
public record EdgeKey(Reporter reporter, Workload source, Workload destination, String service, Protocol protocol) {

    /** Which end of the exchange counted it (Istio's {@code reporter} label). */
    public enum Reporter {
        /** The caller's proxy (outbound, gateway): knows the destination only from the reply's peer metadata. */
        SOURCE,
        /** The callee's proxy (inbound): knows how the caller connected ({@code connection_security_policy}). */
        DESTINATION;

        public String label() { return this == SOURCE ? "source" : "destination"; }
    }

    /** Istio's {@code request_protocol}; TCP edges count connections and bytes, not requests. */
    public enum Protocol {
        HTTP, GRPC, TCP;

        public String label() { return name().toLowerCase(java.util.Locale.ROOT); }
    }

    public EdgeKey {
        Objects.requireNonNull(reporter, "reporter");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(protocol, "protocol");
    }
}
