package dev.ficus.xds.translate;

import java.util.Map;
import java.util.Objects;

/**
 * Who a proxy serves: the workload's namespace and labels (which Sidecars, Gateways and
 * {@code sourceLabels} matches select it) and its service account (its SPIFFE identity).
 */
public record ProxyIdentity(String name, String namespace, Map<String, String> labels, String serviceAccount) {
    public ProxyIdentity {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(namespace, "namespace");
        labels = Map.copyOf(Objects.requireNonNull(labels, "labels"));
        serviceAccount = serviceAccount == null || serviceAccount.isEmpty() ? "default" : serviceAccount;
    }

    /**
     * Every component, labels sorted: the same text for the same identity in every process (the
     * record's own toString follows the map's order, which changes between runs, and is made by
     * a bootstrap method the proxy's start-up cache does not keep). Part of a snapshot's version.
     */
    public String key() {
        StringBuilder b = new StringBuilder(96).append(name).append('|').append(namespace).append('|');
        new java.util.TreeMap<>(labels).forEach((k, v) -> b.append(k).append('=').append(v).append(','));
        return b.append('|').append(serviceAccount).toString();
    }
}
