package dev.ficus.xds.translate;

import dev.ficus.api.Kind;
import dev.ficus.api.Resource;
import dev.ficus.api.config.ConfigSet;
import dev.ficus.api.networking.DestinationRule;
import dev.ficus.api.networking.Hosts;
import dev.ficus.api.networking.VirtualService;
import dev.ficus.xds.snapshot.ClusterConfig;
import dev.ficus.xds.snapshot.RouteTable;
import dev.ficus.xds.snapshot.VirtualHost;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What translations of one configuration, and of the configurations that follow it, can share:
 * the per-configuration indexes (services, rules by host, the version hash of the files), built
 * once for every proxy identity of a generation instead of once each; and, per service, the
 * outbound virtual hosts and clusters it translates to, kept with the facts they were computed
 * from (the service, the rules chosen for each host they reach, what of the proxy's identity they
 * read). A later translation, for another identity or of a later configuration, reuses a service's
 * piece when every fact still holds, so that a change to one VirtualService translates again only
 * the services it touches. The snapshot is the same as a translation without the cache, resource by
 * resource (the translator's tests hold it to that).
 *
 * <p>Thread-safe: the control plane translates identities in parallel with one cache.
 */
public final class TranslationCache {
    /** Variants of one service's piece kept at once (identities that read it differently: their namespace, labels, rules). */
    private static final int MAX_VARIANTS = 8;

    private final Map<String, Piece[]> pieces = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.LongAdder computed = new java.util.concurrent.atomic.LongAdder();
    /** Mesh route tables kept at once (one per distinct view of the mesh: namespace, egress, ...). */
    private static final int MAX_TABLES = 32;

    private ConfigIndex index; // the last configuration's, under this
    private final java.util.LinkedList<TableMemo> tables = new java.util.LinkedList<>(); // most recent first

    /** The indexes of {@code config}, built once for it (the cache keeps the last configuration's). */
    synchronized ConfigIndex index(ConfigSet config) {
        ConfigIndex i = index;
        if (i != null && i.config() == config) return i;
        ConfigIndex earlier = i;
        i = ConfigIndex.of(config, earlier == null ? null : earlier.registry());
        index = i;
        ServiceRegistry registry = i.registry();
        pieces.keySet().removeIf(host -> registry.find(host).isEmpty()); // services that left the registry
        return i;
    }

    /** The variants held for a service host, most recently made first; empty when none. */
    Piece[] pieces(String host) {
        Piece[] p = pieces.get(host);
        return p == null ? NONE : p;
    }

    /** Keeps a freshly computed piece before the variants already held for its host. */
    void keep(Piece piece) {
        computed.increment();
        pieces.compute(piece.host(), (h, old) -> {
            int keep = old == null ? 0 : Math.min(old.length, MAX_VARIANTS - 1);
            Piece[] next = new Piece[keep + 1];
            next[0] = piece;
            if (keep > 0) System.arraycopy(old, 0, next, 1, keep);
            return next;
        });
    }

    /**
     * A mesh route table from its virtual hosts before domains are deduplicated ({@code raw}, in
     * order). Identities that see the same hosts share the table; when only some hosts changed and
     * each changed host claims the same domains as before (a route edit), the earlier deduplication
     * holds for every host, and only the changed ones are put in their places.
     */
    RouteTable table(String name, List<VirtualHost> raw) {
        List<TableMemo> candidates;
        synchronized (tables) {
            candidates = List.copyOf(tables);
        }
        for (TableMemo m : candidates) {
            if (!m.name().equals(name) || m.raw().size() != raw.size()) continue;
            RouteTable t = m.patched(raw);
            if (t == null) continue;
            if (t != m.table()) remember(new TableMemo(name, List.copyOf(raw), m.slots(), t));
            else remember(m);
            return t;
        }
        int[] slots = new int[raw.size()];
        RouteTable t = new RouteTable(name, Translator.dedupe(raw, slots), true); // a sidecar's: a service answers on its declared ports
        remember(new TableMemo(name, List.copyOf(raw), slots, t));
        return t;
    }

    private void remember(TableMemo m) {
        synchronized (tables) {
            tables.remove(m);
            tables.addFirst(m);
            while (tables.size() > MAX_TABLES) tables.removeLast();
        }
    }

    /** A mesh route table and what it was made from: the hosts before deduplication, and where each landed (-1: dropped). */
    private record TableMemo(String name, List<VirtualHost> raw, int[] slots, RouteTable table) {
        /** The table for {@code next} (as long as {@link #raw}), or null when the deduplication may differ. */
        RouteTable patched(List<VirtualHost> next) {
            int[] at = new int[4];
            VirtualHost[] with = new VirtualHost[4];
            int n = 0;
            for (int i = 0; i < next.size(); i++) {
                VirtualHost now = next.get(i), was = raw.get(i);
                if (now == was) continue;
                if (!now.domains().equals(was.domains())) return null; // claims other domains: deduplicate again
                int slot = slots[i];
                if (slot < 0) continue; // dropped before, dropped again
                VirtualHost kept = table.virtualHosts().get(slot);
                if (n == at.length) {
                    at = java.util.Arrays.copyOf(at, n * 2);
                    with = java.util.Arrays.copyOf(with, n * 2);
                }
                at[n] = slot;
                with[n++] = kept == was ? now : new VirtualHost(now.name(), kept.domains(), now.routes());
            }
            // the domains each host keeps stay as they were: the index is repointed, not built again
            return n == 0 ? table : table.replacing(java.util.Arrays.copyOf(at, n), java.util.Arrays.copyOf(with, n));
        }

        @Override public boolean equals(Object o) { return this == o; }

        @Override public int hashCode() { return System.identityHashCode(this); }

        @Override public String toString() { return "TableMemo[" + name + ", " + raw.size() + " hosts]"; }
    }

    private volatile int clustersHint = 16;

    /** How many clusters a translation should expect: the most a recent one made. */
    int clustersHint() { return clustersHint; }

    void clusters(int made) {
        if (made > clustersHint) clustersHint = made; // a race loses a hint, not a cluster
    }

    /** Pieces computed so far (the rest were reused): for tests and figures. */
    public long computed() {
        return computed.sum();
    }

    /** Pieces held, over every service (for tests and figures). */
    public int size() {
        return pieces.values().stream().mapToInt(p -> p.length).sum();
    }

    private static final Piece[] NONE = new Piece[0];

    /**
     * One service's share of an outbound route table: its virtual hosts, and what translating
     * them did besides (clusters made, notes written), in order, so that a reuse replays it exactly.
     */
    record Piece(String host, List<Fact> facts, List<Event> events, List<VirtualHost> virtualHosts, Resource<VirtualService> virtualService,
                 HeldFor heldFor) {
        Piece(String host, List<Fact> facts, List<Event> events, List<VirtualHost> virtualHosts, Resource<VirtualService> virtualService) {
            this(host, facts, events, virtualHosts, virtualService, new HeldFor());
        }
    }

    /**
     * The configuration (its index) for which a piece's facts were last found to hold, all of them:
     * the facts that read the configuration alone ({@link #configOnly}) then hold for every other
     * proxy translated from that configuration, and are not looked up again for each identity.
     */
    static final class HeldFor {
        private volatile long serial; // of the index: a reference would keep an old configuration alive

        boolean is(ConfigIndex i) { return serial == i.serial(); }

        void set(ConfigIndex i) { serial = i.serial(); }
    }

    /** Whether a fact reads the configuration alone, not the proxy it is translated for ({@code index}: the configuration's). */
    static boolean configOnly(Fact f, ConfigIndex index) {
        return switch (f) {
            case ServiceIs x -> !index.servicesVaryByNamespace(); // a proxy sees the ServiceEntries exported to its namespace
            case VirtualServiceIs x -> !index.virtualServicesVaryByNamespace();
            case RolloutsAre x -> true;
            case RuleIs x -> index.ruleSameForEveryProxy(x.host());
            case NamespaceIs x -> false;
            case LabelsInclude x -> false;
        };
    }

    /** Something a piece did beside its virtual hosts. */
    sealed interface Event permits NoteCall, ClusterCall {
    }

    /** A note the translator wrote. */
    record NoteCall(Resource<?> resource, String path, String message) implements Event {
    }

    /** A cluster the piece asked for: made with these notes when the translation does not hold it yet. */
    record ClusterCall(String name, ClusterConfig config, List<NoteCall> notes) implements Event {
    }

    /** A fact a piece was computed from; it is reused only where every one of its facts holds again. */
    sealed interface Fact permits ServiceIs, RuleIs, VirtualServiceIs, NamespaceIs, LabelsInclude, RolloutsAre {
    }

    /** The registry's service for a host (null: none). */
    record ServiceIs(String host, ServiceRegistry.Service service) implements Fact {
    }

    /** The DestinationRules that apply to a host for this proxy, merged in this order (empty: none). */
    record RuleIs(String host, List<Resource<DestinationRule>> rules) implements Fact {
    }

    /** The mesh VirtualService serving a host (null: none). */
    record VirtualServiceIs(String host, Resource<VirtualService> virtualService) implements Fact {
    }

    /** Whether the proxy's namespace is {@code namespace}. */
    record NamespaceIs(String namespace, boolean is) implements Fact {
    }

    /** Whether the proxy's labels include {@code labels}. */
    record LabelsInclude(Map<String, String> labels, boolean does) implements Fact {
    }

    /** The Rollouts (parallel run, strangler fallback) that drive a VirtualService's routes (null: none). */
    record RolloutsAre(Resource<VirtualService> virtualService, Resource<?> parallelRun, Resource<?> fallback) implements Fact {
    }

    /**
     * The same value: one object, or equal ones (resources of an unchanged file are the same
     * object; a resource read again from an unchanged document of a changed file is the same
     * document, see {@link Resource#sameDocument}), element by element.
     */
    static boolean sameAll(List<?> a, List<?> b) {
        if (a.size() != b.size()) return false;
        for (int i = 0; i < a.size(); i++) {
            if (!same(a.get(i), b.get(i))) return false;
        }
        return true;
    }

    /** The same value: one object, or equal ones (see {@link #sameAll}). */
    static boolean same(Object a, Object b) {
        if (a == b) return true;
        if (a instanceof Resource<?> r && b instanceof Resource<?> o) return r.sameDocument(o);
        return a != null && a.equals(b);
    }

    /** A rule's host as an FQDN (or wildcard), with the rule and its place in the config. */
    record HostRule<R>(String host, R rule, int order) {
    }

    /**
     * What every translation of one configuration reads the same way: the registry, the rules and
     * their indexes by host, and the version hash of the configuration's resources so far (each
     * translation adds its identity to a copy).
     */
    record ConfigIndex(ConfigSet config, ServiceRegistry registry, List<Resource<DestinationRule>> destinationRules,
                       List<Resource<VirtualService>> virtualServices,
                       Map<String, List<HostRule<Resource<VirtualService>>>> meshVsByHost, List<HostRule<Resource<VirtualService>>> meshVsWildcards,
                       List<List<HostRule<Resource<VirtualService>>>> meshVsShared,
                       Map<String, List<HostRule<Resource<DestinationRule>>>> drByHost, List<HostRule<Resource<DestinationRule>>> drWildcards,
                       Set<String> rulesVaryByProxy, boolean servicesVaryByNamespace, boolean virtualServicesVaryByNamespace,
                       MessageDigest resourcesDigest, long serial) {
        private static final java.util.concurrent.atomic.AtomicLong SERIALS = new java.util.concurrent.atomic.AtomicLong();

        /**
         * Whether the DestinationRule that applies to {@code host} is the same for every proxy: no
         * rule for it is limited to some workloads or namespaces ({@code exportTo}), nor in
         * competition with another (whose namespace would decide), nor of a namespace other than
         * the root or the service's (it applies to that namespace's proxies only); wildcard rules
         * make every host depend on the proxy.
         */
        boolean ruleSameForEveryProxy(String host) {
            return rulesVaryByProxy != null && (rulesVaryByProxy.isEmpty() || !rulesVaryByProxy.contains(host));
        }

        static ConfigIndex of(ConfigSet config) {
            return of(config, null);
        }

        /** The indexes of {@code config}; the registry takes over from {@code earlier} (null: none) what did not change. */
        static ConfigIndex of(ConfigSet config, ServiceRegistry earlier) {
            List<Resource<DestinationRule>> destinationRules = config.all(Kind.DESTINATION_RULE, DestinationRule.class);
            List<Resource<VirtualService>> virtualServices = config.all(Kind.VIRTUAL_SERVICE, VirtualService.class);
            // Indexes by host: looking rules up per service stays linear in the config's size
            // (5000 services with hundreds of rules would otherwise cost millions of scans).
            Map<String, List<HostRule<Resource<VirtualService>>>> meshVsByHost = new HashMap<>();
            List<HostRule<Resource<VirtualService>>> meshVsWildcards = new ArrayList<>();
            Map<String, List<HostRule<Resource<VirtualService>>>> meshVsClaims = new java.util.LinkedHashMap<>(); // every host, wildcards too
            Map<String, List<HostRule<Resource<DestinationRule>>>> drByHost = new HashMap<>();
            List<HostRule<Resource<DestinationRule>>> drWildcards = new ArrayList<>();
            for (int i = 0; i < virtualServices.size(); i++) {
                Resource<VirtualService> vs = virtualServices.get(i);
                if (!vs.spec().effectiveGateways().contains(VirtualService.MESH)) continue;
                for (String h : vs.spec().hosts()) {
                    String host = Hosts.fqdn(h, vs.namespace());
                    HostRule<Resource<VirtualService>> r = new HostRule<>(host, vs, i);
                    List<HostRule<Resource<VirtualService>>> claims = meshVsClaims.computeIfAbsent(host, k -> new ArrayList<>(1));
                    if (!claims.isEmpty() && claims.getLast().rule() == vs) continue; // the same host twice in one resource
                    claims.add(r);
                    if (host.startsWith("*.")) meshVsWildcards.add(r);
                    else meshVsByHost.computeIfAbsent(host, k -> new ArrayList<>(1)).add(r);
                }
            }
            List<List<HostRule<Resource<VirtualService>>>> meshVsShared = new ArrayList<>();
            for (var claims : meshVsClaims.values()) if (claims.size() > 1) meshVsShared.add(List.copyOf(claims));
            for (int i = 0; i < destinationRules.size(); i++) {
                Resource<DestinationRule> dr = destinationRules.get(i);
                if (dr.spec().host() == null) continue;
                String host = Hosts.fqdn(dr.spec().host(), dr.namespace());
                HostRule<Resource<DestinationRule>> r = new HostRule<>(host, dr, i);
                if (host.contains("*")) drWildcards.add(r);
                else drByHost.computeIfAbsent(host, k -> new ArrayList<>()).add(r);
            }
            ServiceRegistry registry = ServiceRegistry.of(config, earlier);
            Set<String> vary = null; // with wildcard rules, any host may be covered by several
            if (drWildcards.isEmpty()) {
                vary = new HashSet<>();
                for (var e : drByHost.entrySet()) {
                    Resource<DestinationRule> only = e.getValue().getFirst().rule();
                    // one rule applies everywhere when exported everywhere from the root namespace or the service's own
                    // (the one every proxy sees: the registry is the same for all); from a third namespace, to its proxies only
                    boolean fromEverywhere = only.namespace().equals(Translator.ROOT_NAMESPACE)
                            || (!registry.variesByNamespace() && registry.find(e.getKey()).map(s -> s.namespace().equals(only.namespace())).orElse(false));
                    if (e.getValue().size() > 1 || only.spec().workloadSelector() != null || !ExportTo.everywhere(only.spec().exportTo()) || !fromEverywhere) {
                        vary.add(e.getKey());
                    }
                }
            }
            boolean vsVary = virtualServices.stream().anyMatch(vs -> !ExportTo.everywhere(vs.spec().exportTo()));
            return new ConfigIndex(config, registry, destinationRules, virtualServices,
                    meshVsByHost, meshVsWildcards, meshVsShared, drByHost, drWildcards, vary, registry.variesByNamespace(), vsVary,
                    digest(config), SERIALS.incrementAndGet());
        }

        private static MessageDigest digest(ConfigSet config) {
            try {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                for (Resource<?> r : config.resources()) {
                    // the document's text fingerprint; a record's toString only for resources made in code
                    String content = r.origin().fingerprint().isEmpty() ? String.valueOf(r.spec()) : r.origin().fingerprint();
                    sha.update((r.kind() + "/" + r.namespace() + "/" + r.name() + "=" + content + "\n").getBytes(StandardCharsets.UTF_8));
                }
                return sha;
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        /** A copy of the resources' digest, for one translation to finish with its identity. */
        MessageDigest digestCopy() {
            try {
                return (MessageDigest) resourcesDigest.clone();
            } catch (CloneNotSupportedException e) {
                return digest(config); // a provider whose digests cannot be copied: hash the resources again
            }
        }
    }
}
