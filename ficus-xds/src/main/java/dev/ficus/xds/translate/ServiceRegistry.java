package dev.ficus.xds.translate;

import dev.ficus.api.Kind;
import dev.ficus.api.Resource;
import dev.ficus.api.config.ConfigSet;
import dev.ficus.api.networking.Hosts;
import dev.ficus.api.networking.ServiceEntry;
import dev.ficus.api.networking.ServicePort;
import dev.ficus.api.networking.WorkloadEntry;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The services a configuration declares and their instances, as Istio derives them without
 * Kubernetes: each ServiceEntry host is a service; its instances are the ServiceEntry's inline
 * {@code endpoints}, the WorkloadEntries of its namespace that its {@code workloadSelector} selects,
 * or, for {@code resolution: DNS} without endpoints, the host itself. A proxy sees the
 * {@link #visibleFrom view} of its namespace: the entries exported to it.
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
    // What each ServiceEntry that selects no workloads declares on its own (before merging with
    // others for the same host): a function of that resource alone, so the next registry takes it
    // over for the very same resource object (the entries of an unchanged file).
    private final Map<Resource<ServiceEntry>, List<Service>> declared = new IdentityHashMap<>();
    private List<Service> services; // byHost's values, once asked for
    /** The configuration's ServiceEntries when some are not exported everywhere (the views read them), else null. */
    private final ConfigSet restricted;
    /** The registry each namespace's proxies see, made on first use when {@link #restricted}. */
    private final Map<String, ServiceRegistry> views = new java.util.concurrent.ConcurrentHashMap<>();

    private ServiceRegistry(ConfigSet restricted) {
        this.restricted = restricted;
    }

    public static ServiceRegistry of(ConfigSet config) {
        return of(config, null);
    }

    /**
     * The registry of {@code config}, taking over from {@code earlier} (null: none) what did not
     * change: a ServiceEntry that is the same object as one of earlier's, and selects no workloads,
     * is not read again, and every service equal to one of earlier's is that very object, so that
     * whoever compares them (the translation cache) mostly compares references.
     */
    static ServiceRegistry of(ConfigSet config, ServiceRegistry earlier) {
        List<Resource<ServiceEntry>> entries = config.all(Kind.SERVICE_ENTRY, ServiceEntry.class);
        boolean restricted = entries.stream().anyMatch(se -> !ExportTo.everywhere(se.spec().exportTo()));
        return of(config, entries, earlier, restricted ? config : null);
    }

    /**
     * The services a proxy of {@code namespace} sees: those of the ServiceEntries exported to its
     * namespace ({@code exportTo}), merged as the registry merges them. This registry itself when
     * every entry is exported everywhere; each service equal to one of this registry's is that
     * very object.
     */
    public ServiceRegistry visibleFrom(String namespace) {
        if (restricted == null) return this;
        return views.computeIfAbsent(namespace, ns -> of(restricted, restricted.all(Kind.SERVICE_ENTRY, ServiceEntry.class).stream()
                .filter(se -> ExportTo.visible(se.spec().exportTo(), se.namespace(), ns)).toList(), this, null));
    }

    /** Whether proxies of different namespaces may see different services: some ServiceEntry is not exported everywhere. */
    public boolean variesByNamespace() {
        return restricted != null;
    }

    private static ServiceRegistry of(ConfigSet config, List<Resource<ServiceEntry>> entries, ServiceRegistry earlier, ConfigSet restricted) {
        ServiceRegistry r = new ServiceRegistry(restricted);
        List<Resource<WorkloadEntry>> workloads = null; // read when an entry selects some
        for (Resource<ServiceEntry> se : entries) {
            boolean selects = se.spec().workloadSelector() != null;
            List<Service> own = selects || earlier == null ? null : earlier.declared.get(se);
            if (own == null) {
                if (selects && workloads == null) workloads = config.all(Kind.WORKLOAD_ENTRY, WorkloadEntry.class);
                own = declares(se, workloads);
            }
            if (!selects) r.declared.put(se, own);
            for (Service s : own) {
                // A later ServiceEntry for the same host adds ports and instances, as Istio merges them.
                Service prior = r.byHost.get(s.host());
                if (prior != null) {
                    List<Port> mergedPorts = new ArrayList<>(prior.ports());
                    for (Port p : s.ports()) if (prior.port(p.number()).isEmpty()) mergedPorts.add(p);
                    List<Instance> mergedInstances = new ArrayList<>(prior.instances());
                    mergedInstances.addAll(s.instances());
                    r.byHost.put(s.host(), new Service(s.host(), prior.namespace(), List.copyOf(mergedPorts), List.copyOf(mergedInstances), prior.resolution(), prior.source()));
                } else {
                    r.byHost.put(s.host(), s);
                }
            }
        }
        if (earlier != null) {
            for (var e : r.byHost.entrySet()) {
                Service old = earlier.byHost.get(e.getKey());
                if (old != null && old != e.getValue() && same(old, e.getValue())) e.setValue(old);
            }
        }
        return r;
    }

    /** The services one ServiceEntry declares, one per host, as if no other entry named its hosts. */
    private static List<Service> declares(Resource<ServiceEntry> se, List<Resource<WorkloadEntry>> workloads) {
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
        List<Port> portList = List.copyOf(ports);
        List<Instance> instanceList = List.copyOf(instances);
        List<Service> out = new ArrayList<>(spec.hosts().size());
        for (String h : spec.hosts()) {
            String host = Hosts.fqdn(h, se.namespace());
            List<Instance> own = instanceList;
            if (own.isEmpty() && (spec.effectiveResolution() == ServiceEntry.Resolution.DNS
                    || spec.effectiveResolution() == ServiceEntry.Resolution.DNS_ROUND_ROBIN) && !host.contains("*")) {
                String dnsName = h.toLowerCase(java.util.Locale.ROOT); // as written (Istio resolves the host itself): a short name is not a cluster service's
                if (dnsName.endsWith(".")) dnsName = dnsName.substring(0, dnsName.length() - 1);
                own = List.of(new Instance(dnsName, Map.of(), Map.of(), 1, null));
            }
            out.add(new Service(host, se.namespace(), portList, own, spec.effectiveResolution(), se));
        }
        return List.copyOf(out);
    }

    private static boolean same(Service a, Service b) {
        return a.host().equals(b.host()) && a.namespace().equals(b.namespace()) && a.resolution() == b.resolution()
                && (a.source() == b.source() || (a.source() != null && a.source().sameDocument(b.source())))
                && a.ports().equals(b.ports()) && a.instances().equals(b.instances());
    }

    private static Instance instance(WorkloadEntry e) {
        return new Instance(e.address() == null ? "" : e.address(), e.ports(), e.labels(),
                e.weight() == null || e.weight() < 1 ? 1 : e.weight(), e.serviceAccount());
    }

    public Optional<Service> find(String fqdn) {
        return Optional.ofNullable(byHost.get(fqdn));
    }

    /** Every service, in the order their hosts were first declared. */
    public List<Service> services() {
        List<Service> all = services;
        if (all == null) services = all = List.copyOf(byHost.values()); // the registry no longer changes: made once (a race makes it twice, equal)
        return all;
    }
}
