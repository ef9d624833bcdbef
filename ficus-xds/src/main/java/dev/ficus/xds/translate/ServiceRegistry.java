package dev.ficus.xds.translate;

import dev.ficus.api.Kind;
import dev.ficus.api.Resource;
import dev.ficus.api.config.ConfigSet;
import dev.ficus.api.networking.Hosts;
import dev.ficus.api.networking.ServiceEntry;
import dev.ficus.api.networking.ServicePort;
import dev.ficus.api.networking.WorkloadEntry;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The services a configuration declares and their instances, as Istio derives them without
 * Kubernetes: each ServiceEntry host is a service; its instances are the ServiceEntry's inline
 * {@code endpoints}, the WorkloadEntries of its namespace that its {@code workloadSelector} selects,
 * or, for {@code resolution: DNS} without endpoints, the host itself.
 */
public final class ServiceRegistry {

    /** One port of a service; {@code protocol} is upper-case ({@code HTTP}, {@code GRPC}, {@code TCP} ...). */
    public record Port(int number, String name, String protocol, Integer targetPort) {
        public boolean isHttp() {
            return switch (protocol) {
                case "HTTP", "HTTP2", "GRPC", "GRPC-WEB" -> true;
                default -> false;
            };
        }
    }

    /** One instance: an address, a port per service port name, labels and a weight. */
    public record Instance(String address, Map<String, Integer> ports, Map<String, String> labels, int weight,
                           String serviceAccount, dev.ficus.xds.snapshot.TelemetryPolicy.PeerWorkload workload) {
        public Instance(String address, Map<String, Integer> ports, Map<String, String> labels, int weight, String serviceAccount) {
            this(address, ports, labels, weight, serviceAccount, null);
        }

        /** The port to reach this instance on for a service port, as Istio maps them. */
        public int portFor(Port p) {
            Integer byName = p.name() == null ? null : ports.get(p.name());
            if (byName != null) return byName;
            return p.targetPort() != null ? p.targetPort() : p.number();
        }
    }

    /** A service: its FQDN host, the namespace that declared it, ports and instances. */
    public record Service(String host, String namespace, List<Port> ports, List<Instance> instances,
                          ServiceEntry.Resolution resolution, Resource<ServiceEntry> source) {
        public Optional<Port> port(int number) {
            return ports.stream().filter(p -> p.number() == number).findFirst();
        }
    }

    private final Map<String, Service> byHost = new LinkedHashMap<>();

    private ServiceRegistry() {
    }

    public static ServiceRegistry of(ConfigSet config) {
        ServiceRegistry r = new ServiceRegistry();
        List<Resource<WorkloadEntry>> workloads = config.all(Kind.WORKLOAD_ENTRY, WorkloadEntry.class);
        for (Resource<ServiceEntry> se : config.all(Kind.SERVICE_ENTRY, ServiceEntry.class)) {
            ServiceEntry spec = se.spec();
            List<Port> ports = new ArrayList<>();
            for (ServicePort p : spec.ports()) {
                if (p.number() != null) ports.add(new Port(p.number(), p.name(), p.protocolOrTcp(), p.targetPort()));
            }
            List<Instance> instances = new ArrayList<>();
            for (WorkloadEntry e : spec.endpoints()) {
                instances.add(instance(e));
            }
            if (spec.workloadSelector() != null) {
                for (Resource<WorkloadEntry> we : workloads) {
                    if (we.namespace().equals(se.namespace()) && spec.workloadSelector().matches(we.spec().labels())) {
                        Instance i = instance(we.spec());
                        instances.add(new Instance(i.address(), i.ports(), i.labels(), i.weight(), i.serviceAccount(),
                                new dev.ficus.xds.snapshot.TelemetryPolicy.PeerWorkload(we.name(), we.namespace(),
                                        we.spec().labels().get("app"), we.spec().labels().get("version"))));
                    }
                }
            }
            for (String h : spec.hosts()) {
                String host = Hosts.fqdn(h, se.namespace());
                List<Instance> own = instances;
                if (own.isEmpty() && (spec.effectiveResolution() == ServiceEntry.Resolution.DNS
                        || spec.effectiveResolution() == ServiceEntry.Resolution.DNS_ROUND_ROBIN) && !host.contains("*")) {
                    own = List.of(new Instance(host, Map.of(), Map.of(), 1, null));
                }
                // A later ServiceEntry for the same host adds ports and instances, as Istio merges them.
                Service prior = r.byHost.get(host);
                if (prior != null) {
                    List<Port> mergedPorts = new ArrayList<>(prior.ports());
                    for (Port p : ports) if (prior.port(p.number()).isEmpty()) mergedPorts.add(p);
                    List<Instance> mergedInstances = new ArrayList<>(prior.instances());
                    mergedInstances.addAll(own);
                    r.byHost.put(host, new Service(host, prior.namespace(), List.copyOf(mergedPorts), List.copyOf(mergedInstances), prior.resolution(), prior.source()));
                } else {
                    r.byHost.put(host, new Service(host, se.namespace(), List.copyOf(ports), List.copyOf(own), spec.effectiveResolution(), se));
                }
            }
        }
        return r;
    }

    /**
     * This registry with each service equal to one of {@code earlier}'s replaced by that very
     * object: the services of unchanged files keep their identity from one configuration to the
     * next, so that whoever compares them (the translation cache) mostly compares references.
     */
    ServiceRegistry reusing(ServiceRegistry earlier) {
        ServiceRegistry r = new ServiceRegistry();
        for (Service s : byHost.values()) {
            Service old = earlier.byHost.get(s.host());
            r.byHost.put(s.host(), old != null && same(old, s) ? old : s);
        }
        return r;
    }

    private static boolean same(Service a, Service b) {
        return a.host().equals(b.host()) && a.namespace().equals(b.namespace()) && a.resolution() == b.resolution()
                && (a.source() == b.source() || java.util.Objects.equals(a.source(), b.source()))
                && a.ports().equals(b.ports()) && a.instances().equals(b.instances());
    }

    private static Instance instance(WorkloadEntry e) {
        return new Instance(e.address() == null ? "" : e.address(), e.ports(), e.labels(),
                e.weight() == null || e.weight() < 1 ? 1 : e.weight(), e.serviceAccount());
    }

    public Optional<Service> find(String fqdn) {
        return Optional.ofNullable(byHost.get(fqdn));
    }

    public List<Service> services() {
        return List.copyOf(byHost.values());
    }
}
