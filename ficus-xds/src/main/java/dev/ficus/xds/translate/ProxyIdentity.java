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
}
