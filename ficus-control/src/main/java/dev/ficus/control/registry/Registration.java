package dev.ficus.control.registry;

import dev.ficus.api.ObjectMeta;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One workload as a legacy system registers it: where it listens, what it is, and how long the
 * registration lasts without a heartbeat. Immutable; {@link RegistrationJson} parses and
 * validates one from a REST body, {@link #builder} makes one in code.
 *
 * @param name           a DNS-1123 label, unique within the namespace
 * @param namespace      defaults to {@value ObjectMeta#DEFAULT_NAMESPACE}
 * @param address        an IP or a DNS name
 * @param ports          service port name to the workload's port number (sorted by name)
 * @param labels         labels that ServiceEntry workload selectors match (sorted by key)
 * @param serviceAccount identity the workload runs as; may be null
 * @param weight         load-balancing weight; null for the default
 * @param ttl            the lease: the workload expires this long after its last registration or heartbeat
 * @param probe          an active health check; null when the workload is trusted to be healthy
 */
public record Registration(
        String name,
        String namespace,
        String address,
        Map<String, Integer> ports,
        Map<String, String> labels,
        String serviceAccount,
        Integer weight,
        Duration ttl,
        Probe probe) {

    public static final Duration DEFAULT_TTL = Duration.ofSeconds(30);
    public static final Duration MIN_TTL = Duration.ofSeconds(1);
    public static final Duration MAX_TTL = Duration.ofHours(1);

    public Registration {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(address, "address");
        namespace = namespace == null || namespace.isEmpty() ? ObjectMeta.DEFAULT_NAMESPACE : namespace;
        ports = ports == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(ports));
        labels = labels == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(labels));
        ttl = ttl == null ? DEFAULT_TTL : ttl;
        if (ttl.compareTo(MIN_TTL) < 0 || ttl.compareTo(MAX_TTL) > 0) {
            throw new IllegalArgumentException("ttl must be between 1s and 1h, got " + ttl);
        }
    }

    /** {@code namespace/name}, as the REST API and diagnostics name a registered workload. */
    public String key() {
        return namespace + "/" + name;
    }

    public static Builder builder(String name, String address) {
        return new Builder(name, address);
    }

    /** Builds a {@link Registration} in code (tests, the control plane's own registrations). */
    public static final class Builder {
        private final String name;
        private final String address;
        private String namespace;
        private final Map<String, Integer> ports = new LinkedHashMap<>();
        private final Map<String, String> labels = new LinkedHashMap<>();
        private String serviceAccount;
        private Integer weight;
        private Duration ttl;
        private Probe probe;

        private Builder(String name, String address) {
            this.name = name;
            this.address = address;
        }

        public Builder namespace(String namespace) {
            this.namespace = namespace;
            return this;
        }

        public Builder port(String portName, int number) {
            ports.put(portName, number);
            return this;
        }

        public Builder label(String key, String value) {
            labels.put(key, value);
            return this;
        }

        public Builder serviceAccount(String serviceAccount) {
            this.serviceAccount = serviceAccount;
            return this;
        }

        public Builder weight(Integer weight) {
            this.weight = weight;
            return this;
        }

        public Builder ttl(Duration ttl) {
            this.ttl = ttl;
            return this;
        }

        public Builder probe(Probe probe) {
            this.probe = probe;
            return this;
        }

        public Registration build() {
            return new Registration(name, namespace, address, ports, labels, serviceAccount, weight, ttl, probe);
        }
    }
}
