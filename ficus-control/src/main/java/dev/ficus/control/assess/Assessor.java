package dev.ficus.control.assess;

import dev.ficus.api.Durations;
import dev.ficus.api.Kind;
import dev.ficus.api.Resource;
import dev.ficus.api.config.ConfigSet;
import dev.ficus.api.mesh.App;
import dev.ficus.api.networking.Hosts;
import dev.ficus.api.networking.ServiceEntry;
import dev.ficus.api.networking.Sidecar;
import dev.ficus.api.networking.WorkloadEntry;
import dev.ficus.api.security.PeerAuthentication;
import dev.ficus.control.assess.Assessment.Caller;
import dev.ficus.control.assess.Assessment.ProxyState;
import dev.ficus.control.assess.Assessment.Source;
import dev.ficus.control.assess.Assessment.Verdict;
import dev.ficus.control.graph.EdgeKey;
import dev.ficus.control.graph.ServiceGraph;
import dev.ficus.control.registry.WorkloadRegistry;
import dev.ficus.xds.sync.SyncServer;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The assessment phase of a gradual adoption: from the service graph (who called whom in the
 * window), the configuration with the registry merged in (services, workloads, Sidecars, Apps,
 * PeerAuthentications) and the connected proxies, what is meshed, what stands in the way of the
 * rest, and in which order to onboard it. A pure function of its inputs: any thread may call it.
 *
 * <p>The order puts a service after everything it calls that is not meshed yet — an onboarded
 * service then only calls services that already accept mTLS — and, among those free to go, the
 * least critical first: fewest dependents (direct or through others), then least traffic, then
 * by id. Services that call each other are one step.
 */
public final class Assessor {
    private Assessor() {
    }

    /** An error share from which onboarding waits: the mesh's numbers would carry a problem it did not cause. */
    static final double FIX_FIRST_ERROR_RATE = 0.05;
    /** An error share worth writing down as the baseline before onboarding. */
    static final double CAUTION_ERROR_RATE = 0.01;

    private static final String UNKNOWN = "unknown";

    /** A workload while the assessment is built. */
    private static final class W {
        final String id, namespace, name;
        final Map<String, String> labels;
        final Source source;
        ProxyState proxy = ProxyState.NONE;
        String proxyId;
        final SortedSet<String> units = new TreeSet<>();
        final SortedSet<String> calls = new TreeSet<>();

        W(String namespace, String name, Map<String, String> labels, Source source) {
            this.id = namespace + "/" + name;
            this.namespace = namespace;
            this.name = name;
            this.labels = labels == null ? Map.of() : labels;
            this.source = source;
        }
    }

    /** A unit of onboarding while the assessment is built. */
    private static final class U {
        final String id, namespace;
        final Assessment.Kind kind;
        final Source source;
        boolean locationUnset;
        final SortedSet<String> workloads = new TreeSet<>();
        final List<String> endpoints = new ArrayList<>();
        final List<Map<String, String>> endpointLabels = new ArrayList<>();
        final List<ServiceGraph.Edge> inbound = new ArrayList<>();
        final SortedSet<String> dependsOn = new TreeSet<>();
        final SortedSet<String> dependents = new TreeSet<>();
        Set<String> closure = Set.of(); // every unit that calls it, directly or through others
        boolean callsSeen; // a proxy reported its calls: it is connected, or named as a caller in the window
        int meshed;
        Assessment.Traffic traffic = Assessment.Traffic.NONE;
        String mode;
        List<Caller> callers = List.of();
        Verdict verdict;
        final List<Reason> reasons = new ArrayList<>();

        U(String id, Assessment.Kind kind, String namespace, Source source) {
            this.id = id;
            this.kind = kind;
            this.namespace = namespace;
            this.source = source;
        }

        int instances() { return workloads.size() + endpoints.size(); }

        boolean done() { return verdict == Verdict.MESHED; }

        boolean unknownCallers() { return callers.stream().anyMatch(c -> c.workload().equals(UNKNOWN)); }

        String first(Verdict level) {
            return reasons.stream().filter(r -> r.level == level).map(r -> r.text).findFirst().orElse(null);
        }
    }

    /** One reason and how much it weighs: FIX_FIRST, CAUTION, or READY for information. */
    private record Reason(Verdict level, String text) {
    }

    /**
     * @param graph   who called whom over the window
     * @param config  the configuration in service, registered workloads merged in
     * @param proxies the proxies connected now
     */
    public static Assessment assess(ServiceGraph graph, ConfigSet config, List<SyncServer.ProxyStatus> proxies) {
        Map<String, W> workloads = workloads(graph, config, proxies);
        Map<String, U> units = units(graph, config, workloads);
        dependencies(graph, workloads, units);
        List<Resource<PeerAuthentication>> policies = config.all(Kind.PEER_AUTHENTICATION, PeerAuthentication.class);
        Set<String> callers = new TreeSet<>();
        for (ServiceGraph.Edge e : graph.edges()) callers.add(e.source().id());
        for (U u : units.values()) {
            u.meshed = (int) u.workloads.stream().filter(w -> workloads.get(w).proxy == ProxyState.CONNECTED).count();
            u.traffic = traffic(u.inbound);
            u.callers = callers(u.inbound, workloads);
            u.mode = mode(u, workloads, policies);
            u.closure = closure(u.id, units);
            u.callsSeen = u.meshed > 0 || u.workloads.stream().anyMatch(callers::contains);
        }
        for (U u : units.values()) judge(u, units, workloads, policies, graph.window());

        List<String> done = units.values().stream().filter(U::done).map(u -> u.id).toList();
        List<Assessment.Step> order = order(units);
        List<String> notes = notes(graph, order);
        long read = graph.proxies().stream().filter(p -> p.error() == null && p.samples() > 0).count();
        Assessment.Summary summary = new Assessment.Summary(
                (int) units.values().stream().filter(u -> u.kind != Assessment.Kind.EXTERNAL).count(), done.size(),
                workloads.size(), (int) workloads.values().stream().filter(w -> w.proxy == ProxyState.CONNECTED).count(),
                proxies.size(), (int) read);
        List<Assessment.Service> services = units.values().stream().map(Assessor::service).toList();
        List<Assessment.Workload> ws = workloads.values().stream().map(w -> new Assessment.Workload(w.id, w.namespace, w.name, w.source,
                w.proxy, w.proxyId, List.copyOf(w.units), PeerAuthModes.of(config, w.namespace, w.labels), List.copyOf(w.calls))).toList();
        return new Assessment(graph.window(), graph.at(), summary, services, ws, done, order, notes);
    }

    // ---- what is there ----

    /** WorkloadEntries (files and registry), then workloads only a proxy or only traffic names; with their proxies. */
    private static Map<String, W> workloads(ServiceGraph graph, ConfigSet config, List<SyncServer.ProxyStatus> proxies) {
        Map<String, W> out = new TreeMap<>();
        for (Resource<WorkloadEntry> r : config.all(Kind.WORKLOAD_ENTRY, WorkloadEntry.class)) {
            Source source = WorkloadRegistry.ORIGIN.equals(r.origin() == null ? null : r.origin().file()) ? Source.REGISTRY : Source.CONFIG;
            W w = new W(r.namespace(), r.name(), r.spec().labels(), source);
            out.putIfAbsent(w.id, w);
        }
        // as ficus up decides who gets a proxy: an App names it, or a Sidecar of its namespace selects it
        Set<String> byApp = new TreeSet<>();
        for (Resource<App> a : config.all(Kind.APP, App.class)) byApp.add(a.namespace() + "/" + a.spec().workload());
        List<Resource<Sidecar>> sidecars = config.all(Kind.SIDECAR, Sidecar.class);
        for (W w : out.values()) {
            boolean selected = sidecars.stream().anyMatch(s -> s.namespace().equals(w.namespace)
                    && s.spec().workloadSelector() != null && s.spec().workloadSelector().matches(w.labels));
            if (selected || byApp.contains(w.id)) w.proxy = ProxyState.CONFIGURED;
        }
        for (SyncServer.ProxyStatus p : proxies) {
            if (p.node() == null) continue;
            String ns = p.node().namespace();
            for (String name : p.node().workloads()) {
                W w = out.values().stream().filter(x -> x.source != Source.PROXY && x.name.equals(name) && (ns == null || x.namespace.equals(ns)))
                        .findFirst().orElse(null);
                if (w == null) {
                    w = new W(ns == null ? "default" : ns, name, Map.of(), Source.PROXY);
                    out.putIfAbsent(w.id, w);
                    w = out.get(w.id);
                }
                w.proxy = ProxyState.CONNECTED;
                if (w.proxyId == null || p.id().compareTo(w.proxyId) < 0) w.proxyId = p.id();
            }
        }
        for (ServiceGraph.Edge e : graph.edges()) {
            for (var x : List.of(e.source(), e.destination())) {
                if (!x.isUnknown()) out.putIfAbsent(x.id(), new W(x.namespace(), x.name(), Map.of(), Source.TRAFFIC));
            }
        }
        return out;
    }

    /** Services of the ServiceEntries, hosts only traffic names, and a unit for each workload that serves none. */
    private static Map<String, U> units(ServiceGraph graph, ConfigSet config, Map<String, W> workloads) {
        Map<String, U> out = new TreeMap<>();
        for (Resource<ServiceEntry> r : config.all(Kind.SERVICE_ENTRY, ServiceEntry.class)) {
            ServiceEntry spec = r.spec();
            List<W> selected = spec.workloadSelector() == null ? List.of() : workloads.values().stream()
                    .filter(w -> (w.source == Source.CONFIG || w.source == Source.REGISTRY) && w.namespace.equals(r.namespace())
                            && spec.workloadSelector().matches(w.labels))
                    .toList();
            for (String h : spec.hosts()) {
                String host = Hosts.fqdn(h, r.namespace());
                Assessment.Kind kind = spec.location() == ServiceEntry.Location.MESH_EXTERNAL ? Assessment.Kind.EXTERNAL : Assessment.Kind.SERVICE;
                U u = out.computeIfAbsent(host, k -> new U(k, kind, r.namespace(), Source.CONFIG)); // Istio merges entries of one host
                u.locationUnset |= spec.location() == null;
                for (W w : selected) {
                    u.workloads.add(w.id);
                    w.units.add(host);
                }
                for (WorkloadEntry e : spec.endpoints() == null ? List.<WorkloadEntry>of() : spec.endpoints()) {
                    u.endpoints.add(endpoint(e));
                    u.endpointLabels.add(e.labels() == null ? Map.of() : e.labels());
                }
                if (selected.isEmpty() && (spec.endpoints() == null || spec.endpoints().isEmpty()) && !host.contains("*")
                        && (spec.effectiveResolution() == ServiceEntry.Resolution.DNS || spec.effectiveResolution() == ServiceEntry.Resolution.DNS_ROUND_ROBIN)) {
                    u.endpoints.add(host); // resolved by name: the host is its own instance
                    u.endpointLabels.add(Map.of());
                }
            }
        }
        for (ServiceGraph.Edge e : graph.edges()) {
            if (e.service().equals(UNKNOWN)) continue;
            U u = out.computeIfAbsent(e.service(), k -> new U(k, Assessment.Kind.SERVICE, namespaceOf(e), Source.TRAFFIC));
            if (u.source == Source.TRAFFIC && !e.destination().isUnknown()) {
                u.workloads.add(e.destination().id());
                workloads.get(e.destination().id()).units.add(u.id);
            }
        }
        for (W w : workloads.values()) {
            if (!w.units.isEmpty()) continue;
            U u = new U(w.id, Assessment.Kind.WORKLOAD, w.namespace, w.source);
            u.workloads.add(w.id);
            w.units.add(w.id);
            out.put(u.id, u);
        }
        return out;
    }

    private static String namespaceOf(ServiceGraph.Edge e) {
        if (!e.destination().isUnknown()) return e.destination().namespace();
        String[] labels = e.service().split("\\.");
        return e.service().endsWith("." + Hosts.CLUSTER_SUFFIX) && labels.length == 5 ? labels[1] : UNKNOWN;
    }

    private static String endpoint(WorkloadEntry e) {
        String address = e.address() == null || e.address().isEmpty() ? "(network " + e.network() + ")" : e.address();
        if (e.ports() == null || e.ports().isEmpty()) return address;
        return address + ":" + String.join(",", new TreeSet<>(e.ports().values()).stream().map(String::valueOf).toList());
    }

    /** Each edge: the callee unit gets the traffic, the caller's units depend on it. */
    private static void dependencies(ServiceGraph graph, Map<String, W> workloads, Map<String, U> units) {
        for (ServiceGraph.Edge e : graph.edges()) {
            Set<String> callees = !e.service().equals(UNKNOWN) ? Set.of(e.service())
                    : e.destination().isUnknown() ? Set.of() : workloads.get(e.destination().id()).units;
            Set<String> callerUnits = e.source().isUnknown() ? Set.of() : workloads.get(e.source().id()).units;
            for (String c : callees) {
                U callee = units.get(c);
                callee.inbound.add(e);
                for (String cu : callerUnits) {
                    if (cu.equals(c)) continue; // a service calling itself waits for no one
                    units.get(cu).dependsOn.add(c);
                    callee.dependents.add(cu);
                }
            }
            if (!e.source().isUnknown()) workloads.get(e.source().id()).calls.addAll(callees);
        }
    }

    // ---- what it looks like ----

    private static Assessment.Traffic traffic(List<ServiceGraph.Edge> edges) {
        if (edges.isEmpty()) return Assessment.Traffic.NONE;
        long requests = 0, errors = 0;
        double rps = 0, p99 = Double.NaN, bytes = 0;
        for (ServiceGraph.Edge e : edges) {
            requests += e.requests();
            errors += e.serverErrors();
            rps += e.rps();
            if (e.protocol() == EdgeKey.Protocol.TCP) bytes += e.tcpBytesPerSecond();
            if (e.requests() > 0 && !Double.isNaN(e.p99Ms()) && (Double.isNaN(p99) || e.p99Ms() > p99)) p99 = e.p99Ms();
        }
        return new Assessment.Traffic(requests, rps, errors, requests == 0 ? 0 : (double) errors / requests, p99, bytes);
    }

    /** Share over mTLS of what the destination's proxy could classify, weighted by requests (TCP: connections). */
    private static double mtlsShare(List<ServiceGraph.Edge> edges) {
        double weighted = 0, weight = 0;
        for (ServiceGraph.Edge e : edges) {
            double w = e.protocol() == EdgeKey.Protocol.TCP ? e.tcpConnections() : e.requests();
            if (Double.isNaN(e.mtlsShare()) || w <= 0) continue;
            weighted += e.mtlsShare() * w;
            weight += w;
        }
        return weight == 0 ? Double.NaN : weighted / weight;
    }

    private static List<Caller> callers(List<ServiceGraph.Edge> edges, Map<String, W> workloads) {
        Map<String, List<ServiceGraph.Edge>> bySource = new TreeMap<>();
        for (ServiceGraph.Edge e : edges) bySource.computeIfAbsent(e.source().id(), k -> new ArrayList<>()).add(e);
        List<Caller> out = new ArrayList<>();
        bySource.forEach((id, es) -> {
            Set<String> security = new TreeSet<>();
            long requests = 0;
            double rps = 0;
            for (ServiceGraph.Edge e : es) {
                security.add(e.security().label());
                requests += e.requests();
                rps += e.rps();
            }
            boolean meshed = !id.equals(UNKNOWN) && workloads.get(id).proxy == ProxyState.CONNECTED;
            out.add(new Caller(id, meshed, security(security), requests, rps));
        });
        return out;
    }

    private static String security(Set<String> labels) {
        if (labels.size() == 1) return labels.iterator().next();
        Set<String> known = Set.of(ServiceGraph.Security.MUTUAL_TLS.label(), ServiceGraph.Security.PLAINTEXT.label(), ServiceGraph.Security.MIXED.label());
        return known.containsAll(labels) ? ServiceGraph.Security.MIXED.label() : String.join(" + ", labels);
    }

    /** The mode of every workload instance (or, without any, of a new workload of its namespace); MIXED when they differ. */
    private static String mode(U u, Map<String, W> workloads, List<Resource<PeerAuthentication>> policies) {
        if (u.kind == Assessment.Kind.EXTERNAL) return null;
        Set<String> modes = new TreeSet<>();
        for (String id : u.workloads) {
            W w = workloads.get(id);
            modes.add(PeerAuthModes.resolve(policies, w.namespace, w.labels, 0).mode().name());
        }
        if (modes.isEmpty()) modes.add(PeerAuthModes.resolve(policies, u.namespace, Map.of(), 0).mode().name());
        return modes.size() == 1 ? modes.iterator().next() : "MIXED";
    }

    /** Every unit that reaches {@code id} through callers. */
    private static Set<String> closure(String id, Map<String, U> units) {
        Set<String> seen = new TreeSet<>();
        Deque<String> todo = new ArrayDeque<>(units.get(id).dependents);
        while (!todo.isEmpty()) {
            String n = todo.pop();
            if (n.equals(id) || !seen.add(n)) continue;
            todo.addAll(units.get(n).dependents);
        }
        return seen;
    }

    // ---- how ready ----

    private static void judge(U u, Map<String, U> units, Map<String, W> workloads, List<Resource<PeerAuthentication>> policies,
                              Duration windowLength) {
        String window = Durations.format(windowLength);
        if (u.kind == Assessment.Kind.EXTERNAL) {
            u.verdict = Verdict.EXTERNAL;
            u.reasons.add(new Reason(Verdict.READY, "outside the mesh (location: MESH_EXTERNAL): called through the mesh, not onboarded"));
            return;
        }
        boolean done = u.instances() > 0 && u.meshed == u.instances();
        u.verdict = done ? Verdict.MESHED : Verdict.READY;
        List<String> without = u.workloads.stream().filter(w -> workloads.get(w).proxy != ProxyState.CONNECTED).toList();
        List<String> configured = u.workloads.stream().filter(w -> workloads.get(w).proxy == ProxyState.CONFIGURED).toList();
        // meshing
        if (u.instances() == 0 && u.source == Source.TRAFFIC) {
            caution(u, "known only from traffic: no ServiceEntry declares it; declare one before onboarding");
        } else if (u.instances() == 0) {
            caution(u, "no instances: no endpoints and no WorkloadEntry its workloadSelector selects");
        } else if (done) {
            u.reasons.add(new Reason(Verdict.READY, u.kind == Assessment.Kind.WORKLOAD ? "meshed: its proxy is connected"
                    : "meshed: every instance has a proxy (" + u.meshed + " of " + u.instances() + ")"));
        } else if (u.kind == Assessment.Kind.WORKLOAD) {
            u.reasons.add(new Reason(Verdict.READY, "not meshed: no proxy"));
        } else if (u.meshed == 0) {
            u.reasons.add(new Reason(Verdict.READY, "not meshed: 0 of " + u.instances() + (u.instances() == 1 ? " instance has" : " instances have") + " a proxy"));
        } else {
            u.reasons.add(new Reason(Verdict.READY, "partly meshed: " + u.meshed + " of " + u.instances() + " instances have a proxy; not yet: "
                    + names(concat(without, u.endpoints))));
        }
        if (!configured.isEmpty()) {
            u.reasons.add(new Reason(Verdict.READY, "a Sidecar or App gives " + names(configured) + " a proxy, but none is connected: start it"
                    + " (ficus up, or ficus proxy --workload NAME)"));
        }
        if (!u.endpoints.isEmpty()) {
            caution(u, "instances that are only addresses cannot have a proxy (" + names(u.endpoints)
                    + "): declare them as WorkloadEntries that the ServiceEntry's workloadSelector selects");
        }
        if (u.source == Source.TRAFFIC && u.kind == Assessment.Kind.SERVICE && u.instances() > 0) {
            caution(u, "known only from traffic: no ServiceEntry declares it; declare one before onboarding");
        }
        if (u.locationUnset && u.kind == Assessment.Kind.SERVICE) {
            u.reasons.add(new Reason(Verdict.READY, "location is unset (Istio reads MESH_EXTERNAL): set location: MESH_INTERNAL, it is yours to onboard"));
        }
        if (u.kind == Assessment.Kind.WORKLOAD && !done) {
            u.reasons.add(new Reason(Verdict.READY, "serves no service (a client or a job): onboarding it puts its calls under mTLS"));
        }
        // traffic
        Assessment.Traffic t = u.traffic;
        if (!t.any() && u.kind == Assessment.Kind.SERVICE) {
            u.reasons.add(new Reason(Verdict.READY, "no traffic in the last " + window + ": callers unknown"));
        }
        if (t.requests() > 0 && t.errorRate() >= FIX_FIRST_ERROR_RATE) {
            add(u, done ? Verdict.READY : Verdict.FIX_FIRST, "error rate " + percent(t.errorRate())
                    + (done ? "" : " — fix before onboarding, or the mesh's numbers will carry it"));
        } else if (t.requests() > 0 && t.errorRate() >= CAUTION_ERROR_RATE) {
            add(u, done ? Verdict.READY : Verdict.CAUTION, "error rate " + percent(t.errorRate())
                    + (done ? "" : " — write it down as the baseline before onboarding"));
        }
        // callers and mTLS
        List<String> plaintext = u.callers.stream()
                .filter(c -> !c.meshed() || c.security().equals("plaintext") || c.security().equals("mixed"))
                .map(Caller::workload).toList();
        if (!plaintext.isEmpty()) {
            String who = "plaintext callers: " + callerNames(plaintext);
            if ("STRICT".equals(u.mode)) {
                add(u, done ? Verdict.READY : Verdict.FIX_FIRST, who + (done
                        ? " — STRICT refuses them: mesh them, or set PERMISSIVE until they are"
                        : " — its PeerAuthentication is STRICT and would refuse them once it has a proxy: set PERMISSIVE until they are meshed"));
            } else if (!"DISABLE".equals(u.mode)) {
                u.reasons.add(new Reason(Verdict.READY, who + " — they keep working while it is PERMISSIVE; STRICT waits until they are meshed"));
            } else {
                u.reasons.add(new Reason(Verdict.READY, who));
            }
        } else if (done && "PERMISSIVE".equals(u.mode) && !u.callers.isEmpty()
                && u.callers.stream().allMatch(c -> c.security().equals("mutual_tls"))) {
            u.reasons.add(new Reason(Verdict.READY, "every caller in the window used mTLS: ready for STRICT"));
        }
        if ("DISABLE".equals(u.mode) && u.kind == Assessment.Kind.SERVICE) {
            u.reasons.add(new Reason(Verdict.READY, "its PeerAuthentication is DISABLE: meshed callers reach it in plaintext"));
        } else if ("MIXED".equals(u.mode)) {
            u.reasons.add(new Reason(Verdict.READY, "its instances differ in PeerAuthentication mode: "
                    + String.join(", ", u.workloads.stream().map(id -> {
                        W w = workloads.get(id);
                        return id + " " + PeerAuthModes.resolve(policies, w.namespace, w.labels, 0).mode().name();
                    }).toList())));
        }
        // callees
        if (!done) {
            List<String> unmeshed = u.dependsOn.stream().filter(c -> {
                U x = units.get(c);
                return x.kind != Assessment.Kind.EXTERNAL && !(x.instances() > 0 && x.meshed == x.instances());
            }).toList();
            if (!unmeshed.isEmpty()) u.reasons.add(new Reason(Verdict.READY, "calls services not meshed yet (" + names(unmeshed) + ")"));
        }
        u.reasons.sort(Comparator.comparing((Reason r) -> -severity(r.level))); // stable: most important first
    }

    private static void caution(U u, String text) {
        add(u, Verdict.CAUTION, text);
    }

    private static void add(U u, Verdict level, String text) {
        u.reasons.add(new Reason(level, text));
        if (u.verdict != Verdict.MESHED && severity(level) > severity(u.verdict)) u.verdict = level;
    }

    private static int severity(Verdict v) {
        return switch (v) {
            case MESHED, READY, EXTERNAL -> 0;
            case CAUTION -> 1;
            case FIX_FIRST -> 2;
        };
    }

    // ---- in which order ----

    private static List<Assessment.Step> order(Map<String, U> units) {
        List<String> todo = units.values().stream().filter(u -> u.kind != Assessment.Kind.EXTERNAL && !u.done()).map(u -> u.id).toList();
        Map<String, Set<String>> calls = new HashMap<>();
        for (U u : units.values()) calls.put(u.id, u.dependsOn);
        Map<SortedSet<String>, Integer> criticality = new java.util.IdentityHashMap<>(); // the queue compares each component often
        Comparator<SortedSet<String>> leastCritical = Comparator.<SortedSet<String>>comparingInt(c -> criticality.computeIfAbsent(c, x -> criticality(x, units)))
                .thenComparingDouble(c -> c.stream().mapToDouble(id -> units.get(id).traffic.rps()).sum())
                .thenComparingDouble(c -> c.stream().mapToDouble(id -> units.get(id).traffic.tcpBytesPerSecond()).sum());
        List<SortedSet<String>> components = DependencyOrder.order(todo, calls, leastCritical);
        Map<String, Integer> stepOf = new HashMap<>();
        List<Assessment.Step> out = new ArrayList<>();
        for (SortedSet<String> c : components) {
            int number = out.size() + 1;
            Verdict worst = Verdict.READY;
            for (String id : c) if (severity(units.get(id).verdict) > severity(worst)) worst = units.get(id).verdict;
            out.add(new Assessment.Step(number, List.copyOf(c), worst, reason(c, worst, units, stepOf)));
            for (String id : c) stepOf.put(id, number);
        }
        return out;
    }

    /** Units outside the component that depend on it, directly or through others; callers without a proxy count as one. */
    private static int criticality(SortedSet<String> component, Map<String, U> units) {
        return dependents(component, units).size() + (component.stream().anyMatch(id -> units.get(id).unknownCallers()) ? 1 : 0);
    }

    private static Set<String> dependents(SortedSet<String> component, Map<String, U> units) {
        Set<String> out = new TreeSet<>();
        for (String id : component) out.addAll(units.get(id).closure);
        out.removeAll(component);
        return out;
    }

    private static String reason(SortedSet<String> c, Verdict verdict, Map<String, U> units, Map<String, Integer> stepOf) {
        List<String> parts = new ArrayList<>();
        if (c.size() > 1) parts.add(names(List.copyOf(c)) + " call each other: onboard them together");
        Set<String> callees = new TreeSet<>();
        for (String id : c) callees.addAll(units.get(id).dependsOn);
        callees.removeAll(c);
        List<String> earlier = callees.stream().filter(stepOf::containsKey).toList();
        if (!earlier.isEmpty()) {
            Set<Integer> steps = new TreeSet<>();
            for (String e : earlier) steps.add(stepOf.get(e));
            List<String> numbers = steps.stream().map(String::valueOf).toList();
            parts.add("after step" + (steps.size() == 1 ? " " : "s ") + joinAnd(numbers) + " (" + names(earlier) + "), which it calls");
        } else if (!callees.isEmpty()) {
            parts.add("calls only services already meshed or outside the mesh (" + names(List.copyOf(callees)) + ")");
        } else {
            boolean seen = c.stream().anyMatch(id -> units.get(id).callsSeen);
            parts.add(!seen ? "calls nothing the mesh has seen (its own calls show once it has a proxy)" : c.size() > 1 ? "calls nothing else" : "calls nothing");
        }
        Set<String> dependents = dependents(c, units);
        boolean unknown = c.stream().anyMatch(id -> units.get(id).unknownCallers());
        String deps = dependents.isEmpty() ? "no dependents" : dependents.size() + (dependents.size() == 1 ? " dependent (" : " dependents (")
                + names(List.copyOf(dependents)) + ")";
        parts.add(deps + (unknown ? " and callers without a proxy" : ""));
        double rps = c.stream().mapToDouble(id -> units.get(id).traffic.rps()).sum();
        double bytes = c.stream().mapToDouble(id -> units.get(id).traffic.tcpBytesPerSecond()).sum();
        parts.add(rps == 0 && bytes == 0 ? "no traffic in the window"
                : rps > 0 ? String.format(Locale.ROOT, "%.2f rps", rps) : AssessmentText.bytesPerSecond(bytes));
        if (verdict == Verdict.FIX_FIRST || verdict == Verdict.CAUTION) {
            for (String id : c) {
                String why = units.get(id).first(verdict);
                if (why != null) {
                    parts.add((verdict == Verdict.FIX_FIRST ? "fix first: " : "caution: ") + (c.size() > 1 ? id + ": " : "") + why);
                    break;
                }
            }
        }
        return String.join("; ", parts);
    }

    // ---- what it says ----

    private static List<String> notes(ServiceGraph graph, List<Assessment.Step> order) {
        List<String> out = new ArrayList<>();
        for (ServiceGraph.ProxyState p : graph.proxies()) {
            String who = "proxy " + p.id() + " (" + (p.namespace() == null ? "" : p.namespace() + "/") + String.join(",", p.workloads()) + ")";
            if (p.error() != null) out.add(who + " could not be read: " + p.error() + "; its traffic is missing here");
            else if (p.samples() < 2) out.add(who + " was read once so far: its traffic shows from the next scrape");
        }
        if (graph.edges().isEmpty()) {
            out.add("no traffic in the last " + Durations.format(graph.window()) + ": dependencies and rates are unknown, the order follows the config alone");
        }
        if (!order.isEmpty()) {
            out.add("calls between workloads without a proxy are invisible to the mesh: the order treats them as independent; assess again after each step");
        }
        return out;
    }

    private static Assessment.Service service(U u) {
        List<String> reasons = u.reasons.stream().map(Reason::text).toList();
        return new Assessment.Service(u.id, u.kind, u.namespace, u.source, List.copyOf(u.workloads), List.copyOf(u.endpoints),
                u.meshed, u.instances(), new Assessment.Mtls(u.mode, mtlsShare(u.inbound)), u.traffic, u.callers,
                List.copyOf(u.dependsOn), List.copyOf(u.dependents), u.closure.size(), u.verdict, reasons);
    }

    private static String callerNames(List<String> callers) {
        return names(callers.stream().map(c -> c.equals(UNKNOWN) ? "unknown (clients without a proxy the mesh cannot name)" : c).toList());
    }

    /** Up to three names, then how many more. */
    static String names(List<String> xs) {
        if (xs.size() <= 3) return String.join(", ", xs);
        return String.join(", ", xs.subList(0, 3)) + " and " + (xs.size() - 3) + " more";
    }

    private static String joinAnd(List<String> xs) {
        if (xs.size() == 1) return xs.getFirst();
        return String.join(", ", xs.subList(0, xs.size() - 1)) + " and " + xs.getLast();
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    static String percent(double share) {
        return String.format(Locale.ROOT, "%.1f%%", share * 100);
    }
}
