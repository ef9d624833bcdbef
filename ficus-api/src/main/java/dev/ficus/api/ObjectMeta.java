package dev.ficus.api;

import dev.ficus.api.bind.Required;

import java.util.List;
import java.util.Map;

/**
 * Kubernetes object metadata as Istio resources carry it. Fields a cluster manages (uid,
 * resourceVersion, ...) are accepted so that {@code kubectl get -o yaml} output loads, and kept as
 * they are; ficus does not act on them.
 */
public record ObjectMeta(
        @Required String name,
        String namespace,
        Map<String, String> labels,
        Map<String, String> annotations,
        String generateName,
        String uid,
        String resourceVersion,
        Long generation,
        String creationTimestamp,
        String deletionTimestamp,
        Long deletionGracePeriodSeconds,
        List<Object> ownerReferences,
        List<String> finalizers,
        List<Object> managedFields,
        String selfLink) {

    /** The namespace ficus uses when a resource names none, as {@code kubectl apply -f} would. */
    public static final String DEFAULT_NAMESPACE = "default";

    public String namespaceOrDefault() {
        return namespace == null || namespace.isEmpty() ? DEFAULT_NAMESPACE : namespace;
    }
}
