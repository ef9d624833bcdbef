package dev.ficus.control.assess;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What {@code GET /v1/assess} answers and {@code ficus assess} prints: every service and workload
 * the control plane knows (config, registry, traffic), who calls whom, how ready each service is
 * for the mesh and in which order to onboard them. Immutable; lists are sorted so that one mesh
 * always reads the same.
 *
 * <p>The unit of onboarding is a service (a ServiceEntry host: its instances get proxies
 * together). A workload that serves no service — a client, a batch job — is a unit of its own,
 * named by its workload id ({@link Kind#WORKLOAD}).
 *
 * @param services every unit of onboarding, by id
 * @param workloads every workload, by id
 * @param done     units already meshed (every instance has a connected proxy), by id
 * @param order    what to onboard next, first step first
 * @param notes    what the assessment could not see (proxies not read, invisible calls)
 */
public record Assessment(Duration window, Instant at, Summary summary, List<Service> services, List<Workload> workloads,
                         List<String> done, List<Step> order, List<String> notes) {
    public Assessment {
        Objects.requireNonNull(window, "window");
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(summary, "summary");
        services = List.copyOf(services);
        workloads = List.copyOf(workloads);
        done = List.copyOf(done);
        order = List.copyOf(order);
        notes = List.copyOf(notes);
    }

    /** Counts at a glance; {@code proxiesRead}: proxies whose metrics the graph could read. */
    public record Summary(int services, int meshedServices, int workloads, int meshedWorkloads, int proxies, int proxiesRead) {
    }

    /** What a unit of onboarding is. */
    public enum Kind {
        /** A ServiceEntry host (or a host only traffic named): its instances are onboarded together. */
        SERVICE,
        /** A workload that serves no service (a client, a job): onboarded on its own. */
        WORKLOAD,
        /** A ServiceEntry with {@code location: MESH_EXTERNAL}: called through the mesh, never onboarded. */
        EXTERNAL;

        public String label() { return name().toLowerCase(Locale.ROOT); }

        public static Kind of(String label) { return valueOf(label.toUpperCase(Locale.ROOT)); }
    }

    /** Where the control plane learnt of a service or workload. */
    public enum Source {
        /** The YAML files. */
        CONFIG,
        /** Registered over REST ({@code POST /v1/workloads}). */
        REGISTRY,
        /** Only the proxies' metrics name it. */
        TRAFFIC,
        /** Only a connected proxy names it. */
        PROXY;

        public String label() { return name().toLowerCase(Locale.ROOT); }

        public static Source of(String label) { return valueOf(label.toUpperCase(Locale.ROOT)); }
    }

    /** Whether a workload has a proxy. */
    public enum ProxyState {
        /** A proxy serving it is connected to the control plane now. */
        CONNECTED,
        /** A Sidecar selects it or an App names it ({@code ficus up} would give it a proxy), but none is connected. */
        CONFIGURED,
        /** No proxy, none configured. */
        NONE;

        public String label() { return name().toLowerCase(Locale.ROOT); }

        public static ProxyState of(String label) { return valueOf(label.toUpperCase(Locale.ROOT)); }
    }

    /** How ready a unit is, worst last. */
    public enum Verdict {
        /** Done: every instance has a connected proxy. */
        MESHED("meshed"),
        /** Nothing stands in the way. */
        READY("ready"),
        /** Can be onboarded; something deserves a look first (the reasons say what). */
        CAUTION("caution"),
        /** Onboarding now would break callers or hide a problem in the mesh's numbers. */
        FIX_FIRST("fix-first"),
        /** Outside the mesh by declaration. */
        EXTERNAL("external");

        private final String label;

        Verdict(String label) { this.label = label; }

        public String label() { return label; }

        public static Verdict of(String label) {
            for (Verdict v : values()) if (v.label.equals(label)) return v;
            throw new IllegalArgumentException("unknown verdict '" + label + "'");
        }
    }

    /**
     * mTLS of a unit.
     *
     * @param mode          the PeerAuthentication mode its instances get ({@code STRICT}, {@code PERMISSIVE},
     *                      {@code DISABLE}), {@code MIXED} when instances differ; null when nothing of it can have a proxy
     * @param observedShare share of its inbound requests (TCP: connections) seen over mTLS, 0..1; NaN when no
     *                      destination proxy reported its security
     */
    public record Mtls(String mode, double observedShare) {
    }

    /**
     * Inbound traffic of a unit over the window, summed over its callers.
     *
     * @param p99Ms the worst p99 among its callers' edges (percentiles of separate histograms do not add); NaN without requests
     */
    public record Traffic(long requests, double rps, long serverErrors, double errorRate, double p99Ms, double tcpBytesPerSecond) {
        public static final Traffic NONE = new Traffic(0, 0, 0, 0, Double.NaN, 0);

        public boolean any() { return requests > 0 || tcpBytesPerSecond > 0; }
    }

    /**
     * One caller of a unit, all its edges to it summed.
     *
     * @param workload the caller's workload id, or {@code unknown}: a client without a proxy the mesh could not name
     * @param meshed   whether the caller has a connected proxy
     * @param security how its calls arrived: {@code mutual_tls}, {@code plaintext}, {@code mixed} or an {@code unknown…} label of the graph
     */
    public record Caller(String workload, boolean meshed, String security, long requests, double rps) {
        public Caller {
            Objects.requireNonNull(workload, "workload");
            Objects.requireNonNull(security, "security");
        }
    }

    /**
     * One unit of onboarding.
     *
     * @param id                   the host for a service, {@code namespace/name} for a {@link Kind#WORKLOAD}
     * @param workloads            its instances that are workloads (WorkloadEntries), by id
     * @param endpoints            its instances that are only addresses (ServiceEntry endpoints, a DNS host): they cannot have a proxy
     * @param meshedInstances      instances with a connected proxy
     * @param instances            all instances: workloads and endpoints
     * @param callers              who called it in the window, by workload id
     * @param dependsOn            the units it calls, by id
     * @param dependents           the units that call it, by id
     * @param transitiveDependents how many units call it directly or through others
     * @param reasons              why the verdict, most important first
     */
    public record Service(String id, Kind kind, String namespace, Source source, List<String> workloads, List<String> endpoints,
                          int meshedInstances, int instances, Mtls mtls, Traffic traffic, List<Caller> callers,
                          List<String> dependsOn, List<String> dependents, int transitiveDependents, Verdict verdict, List<String> reasons) {
        public Service {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(mtls, "mtls");
            Objects.requireNonNull(traffic, "traffic");
            Objects.requireNonNull(verdict, "verdict");
            workloads = List.copyOf(workloads);
            endpoints = List.copyOf(endpoints);
            callers = List.copyOf(callers);
            dependsOn = List.copyOf(dependsOn);
            dependents = List.copyOf(dependents);
            reasons = List.copyOf(reasons);
        }

        public boolean meshed() { return verdict == Verdict.MESHED; }
    }

    /**
     * The PeerAuthentication mode a workload's inbound ports get.
     *
     * @param mode  {@code STRICT}, {@code PERMISSIVE} or {@code DISABLE}, for every port without a port-level setting
     * @param from  the policy that sets it ({@code namespace/name}), or {@code default} (nothing set: PERMISSIVE)
     * @param ports ports whose mode differs from {@code mode} (port-level settings)
     */
    public record PeerAuth(String mode, String from, Map<Integer, String> ports) {
        public PeerAuth {
            Objects.requireNonNull(mode, "mode");
            Objects.requireNonNull(from, "from");
            ports = java.util.Collections.unmodifiableMap(new TreeMap<>(ports));
        }
    }

    /**
     * One workload.
     *
     * @param proxyId  the connected proxy serving it, or null
     * @param services the units it is an instance of, by id
     * @param calls    the units it called in the window, by id
     */
    public record Workload(String id, String namespace, String name, Source source, ProxyState proxy, String proxyId,
                           List<String> services, PeerAuth peerAuthentication, List<String> calls) {
        public Workload {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(proxy, "proxy");
            Objects.requireNonNull(peerAuthentication, "peerAuthentication");
            services = List.copyOf(services);
            calls = List.copyOf(calls);
        }
    }

    /**
     * One step of the onboarding order: a unit, or units that call each other (a cycle), onboarded together.
     *
     * @param number   1 for the first step
     * @param services the units of this step, by id
     * @param verdict  the worst verdict among them
     * @param reason   why this step comes here, in words
     */
    public record Step(int number, List<String> services, Verdict verdict, String reason) {
        public Step {
            services = List.copyOf(services);
            Objects.requireNonNull(verdict, "verdict");
            Objects.requireNonNull(reason, "reason");
        }
    }
}
