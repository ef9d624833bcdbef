package dev.ficus.api.telemetry;

/**
 * Istio's {@code WorkloadMode}: which side of the traffic a setting applies to, seen from the
 * proxied workload: {@code SERVER} is inbound, {@code CLIENT} outbound.
 */
public enum WorkloadMode {
    CLIENT_AND_SERVER,
    CLIENT,
    SERVER;

    /** Whether a setting with this mode (null: both) applies to traffic in {@code direction}. */
    public static boolean appliesTo(WorkloadMode mode, WorkloadMode direction) {
        return mode == null || mode == CLIENT_AND_SERVER || mode == direction;
    }
}
