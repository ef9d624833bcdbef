package dev.ficus.control.graph;

import java.util.Objects;

/**
 * A node of the graph that runs code: a workload by namespace and name, as Istio's
 * {@code source_workload}/{@code destination_workload} labels name it, or {@link #UNKNOWN} for a
 * peer the mesh could not name (an unmeshed caller, a destination that never answered).
 */
public record Workload(String namespace, String name) {
    public static final Workload UNKNOWN = new Workload("unknown", "unknown");

    public Workload {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
    }

    /** From a pair of labels; a missing, empty or {@code unknown} name is {@link #UNKNOWN}. */
    static Workload of(String namespace, String name) {
        if (name == null || name.isEmpty() || name.equals("unknown")) return UNKNOWN;
        return new Workload(namespace == null || namespace.isEmpty() ? "unknown" : namespace, name);
    }

    public boolean isUnknown() { return this.equals(UNKNOWN); }

    /** {@code namespace/name}, or {@code unknown}: the node's id in the graph. */
    public String id() { return isUnknown() ? "unknown" : namespace + "/" + name; }

    @Override
    public String toString() { return id(); }
}
