package dev.ficus.xds.translate;

import dev.ficus.api.Kind;
import dev.ficus.api.Resource;
import dev.ficus.api.config.ConfigSet;
import dev.ficus.api.config.Diagnostic;
import dev.ficus.api.config.Positions;
import dev.ficus.api.config.Severity;
import dev.ficus.api.networking.DestinationRule;
import dev.ficus.api.networking.Gateway;
import dev.ficus.api.networking.HTTPMatchRequest;
import dev.ficus.api.networking.HTTPRoute;
import dev.ficus.api.networking.HTTPRouteDestination;
import dev.ficus.api.networking.Headers;
import dev.ficus.api.networking.Hosts;
import dev.ficus.api.networking.IstioEgressListener;
import dev.ficus.api.networking.IstioIngressListener;
import dev.ficus.api.networking.Server;
import dev.ficus.api.networking.ServerTLSSettings;
import dev.ficus.api.networking.Sidecar;
import dev.ficus.api.networking.Subset;
import dev.ficus.api.networking.TrafficPolicy;
import dev.ficus.api.networking.VirtualService;
import dev.ficus.xds.snapshot.ClusterConfig;
import dev.ficus.xds.snapshot.LbPolicy;
import dev.ficus.xds.snapshot.Endpoint;
import dev.ficus.xds.snapshot.HeaderMatch;
import dev.ficus.xds.snapshot.HeaderMutations;
import dev.ficus.xds.snapshot.HealthStatus;
import dev.ficus.xds.snapshot.HostPort;
import dev.ficus.xds.snapshot.ListenerConfig;
import dev.ficus.xds.snapshot.AuthzPolicies;
import dev.ficus.xds.snapshot.JwtPolicies;
import dev.ficus.xds.snapshot.ListenerKind;
import dev.ficus.xds.snapshot.ListenerProtocol;
import dev.ficus.xds.snapshot.OutboundPolicy;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.snapshot.QueryParamMatch;
import dev.ficus.xds.snapshot.Route;
import dev.ficus.xds.snapshot.RouteAction;
import dev.ficus.xds.snapshot.RouteMatch;
import dev.ficus.xds.snapshot.RouteParallelRun;
import dev.ficus.xds.snapshot.RoutePolicies;
import dev.ficus.xds.snapshot.RouteTable;
import dev.ficus.xds.snapshot.ServerTls;
import dev.ficus.xds.snapshot.StringMatch;
import dev.ficus.xds.snapshot.TcpRoute;
import dev.ficus.xds.snapshot.TelemetryPolicy;
import dev.ficus.api.telemetry.WorkloadMode;
import dev.ficus.xds.snapshot.UpstreamProtocol;
import dev.ficus.xds.snapshot.UpstreamTls;
import dev.ficus.xds.snapshot.VirtualHost;
import dev.ficus.xds.snapshot.WeightedCluster;
import dev.ficus.xds.translate.TranslationCache.HostRule;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Translates a validated configuration into the snapshot of one proxy, as Istio's control plane
 * would for that workload: the Gateways that select it become gateway listeners; the Sidecar that
 * selects it gives inbound and egress listeners; a default outbound listener (127.0.0.1:15001,
 * also an HTTP forward proxy) routes to every service of the registry with the VirtualServices
 * bound to {@code mesh}. Clusters are named as Istio names them ({@code outbound|9080|v1|reviews.shop.svc.cluster.local}).
 *
 * <p>What the snapshot cannot carry yet (query matches, delegates, ...) is not dropped
 * in silence: each becomes a note with its file, line and field path.
 */
public final class Translator {
    /** Istio's root namespace: Sidecars there without a selector apply mesh-wide. */
    public static final String ROOT_NAMESPACE = "istio-system";

    private final ConfigSet config;
    private final ProxyIdentity who;
    private final TranslateOptions options;
    private final ServiceRegistry registry;
    private final List<Resource<DestinationRule>> destinationRules;
    private final List<Resource<VirtualService>> virtualServices;
    private final Map<String, ClusterConfig> clusters;
    private final Map<String, RouteTable> routeTables = new LinkedHashMap<>();
    private final List<ListenerConfig> listeners = new ArrayList<>();
    private final List<Diagnostic> notes = new ArrayList<>();
    private final Set<String> noted = new HashSet<>();
    private final TcpRouteTranslator tcpRoutes; // protocols: tcp[] and tls[] routes
    private final ParallelRunTranslator parallelRuns; // Rollouts with the parallelRun strategy
    private final FallbackTranslator fallbacks; // strangler Rollouts with a fallback to legacy

    // Indexes by host (see TranslationCache.ConfigIndex), shared by the translations of one config through a cache.
    private final TranslationCache.ConfigIndex index;
    private final Map<String, List<HostRule<Resource<VirtualService>>>> meshVsByHost;
    private final List<HostRule<Resource<VirtualService>>> meshVsWildcards;
    private final Map<String, List<HostRule<Resource<DestinationRule>>>> drByHost;
    private final List<HostRule<Resource<DestinationRule>>> drWildcards;

    /** Services' pieces of the outbound route tables, reused where their facts hold; null: everything afresh. */
    private final TranslationCache cache;
    /** While a service's piece is computed for the cache: where its facts, notes and cluster calls go; else null. */
    private Recording recording;

    private Translator(ConfigSet config, ProxyIdentity who, TranslateOptions options, TranslationCache cache) {
        this.config = config;
        this.who = who;
        this.options = options;
        this.cache = cache;
        this.index = cache == null ? TranslationCache.ConfigIndex.of(config) : cache.index(config);
        // sized for the clusters of the last translation: thousands of them are put here, growing the map costs
        this.clusters = LinkedHashMap.newLinkedHashMap(cache == null ? 16 : cache.clustersHint());
        this.registry = index.registry().visibleFrom(who.namespace()); // the ServiceEntries exported to the proxy's namespace
        this.destinationRules = index.destinationRules();
        this.virtualServices = index.virtualServicesVaryByNamespace()
                ? index.virtualServices().stream().filter(this::visible).toList() // those exported to the proxy's namespace
                : index.virtualServices();
        this.meshVsByHost = index.meshVsByHost();
        this.meshVsWildcards = index.meshVsWildcards();
        this.drByHost = index.drByHost();
        this.drWildcards = index.drWildcards();
        this.tcpRoutes = new TcpRouteTranslator(virtualServices, this::listenerDestination, this::httpDestination, this::onlyPort);
        this.parallelRuns = new ParallelRunTranslator(config, this::cluster, this::note, this::onlyPort);
        this.fallbacks = new FallbackTranslator(config, this::cluster, this::onlyPort);
    }

    /** Translates {@code config} (already validated and free of errors) for the proxy {@code who}. */
    public static Translation translate(ConfigSet config, ProxyIdentity who, TranslateOptions options) {
        return new Translator(config, who, options, null).run();
    }

    /**
     * The same translation, reusing from {@code cache} what earlier translations (of other
     * identities, or of earlier configurations) computed from the same facts, and keeping there
     * what this one computes. The result equals {@link #translate(ConfigSet, ProxyIdentity, TranslateOptions)}'s.
     */
    public static Translation translate(ConfigSet config, ProxyIdentity who, TranslateOptions options, TranslationCache cache) {
        return new Translator(config, who, options, java.util.Objects.requireNonNull(cache, "cache")).run();
    }

    private Translation run() {
        noteMeshConflicts();
        gatewayListeners();
        Optional<Resource<Sidecar>> sidecar = sidecarFor();
        egressProxy = sidecar.flatMap(this::egressProxy).orElse(null); // before the outbound tables, which end with it
        sidecar.ifPresent(this::sidecarListeners);
        if (options.outboundPort() >= 0) {
            Set<String> visible = sidecar.map(this::egressHostsWithoutPort).orElse(null);
            routeTables.put("outbound", meshRouteTable("outbound", visible));
            listeners.add(new ListenerConfig("outbound", new HostPort(options.outboundBind(), options.outboundPort()),
                    ListenerKind.OUTBOUND, ListenerProtocol.HTTP, "outbound"));
        }
        List<ListenerConfig> served = new ArrayList<>(listeners.size());
        AuthzPolicies authz = AuthzTranslator.forProxy(config, who, this::note); // enforced server side: inbound and gateway listeners
        listeners.replaceAll(l -> authz.isEmpty() || l.kind() == ListenerKind.OUTBOUND ? l : l.withAuthz(authz));
        JwtPolicies jwt = JwtTranslator.forProxy(config, who, this::note); // verified server side too, before authorization
        listeners.replaceAll(l -> jwt.isEmpty() || l.kind() == ListenerKind.OUTBOUND ? l : l.withJwt(jwt));
        TelemetryTranslator telemetry = new TelemetryTranslator(config, who);
        TelemetryPolicy client = telemetry.policy(WorkloadMode.CLIENT), server = telemetry.policy(WorkloadMode.SERVER);
        OutboundPolicy outbound = outboundPolicy(sidecar);
        for (ListenerConfig l : listeners) { // inbound ports take their PeerAuthentication mode
            served.add(l.kind() == ListenerKind.INBOUND
                    ? l.withMtls(PeerAuthnTranslator.mode(config, who, l.bind().port())).withWorkload(who.namespace() + "/" + who.name()).withTelemetry(server)
                    : l.kind() == ListenerKind.OUTBOUND && l.protocol() != ListenerProtocol.TCP ? l.withOutbound(outbound).withTelemetry(client)
                    : l.withTelemetry(client));
        }
        if (cache != null) cache.clusters(clusters.size());
        // each map is keyed by its values' names, as the snapshot checks: handed over as they are, not copied into a builder first
        return new Translation(new ProxySnapshot(version(), served, routeTables, clusters), notes);
    }

    // ---- listeners ----

    private void gatewayListeners() {
        Map<Integer, List<VirtualHost>> byPort = new TreeMap<>();
        Map<Integer, String> bindByPort = new TreeMap<>();
        Map<Integer, Resource<Gateway>> tcpByPort = new TreeMap<>(); // protocols: TCP and TLS-passthrough servers
        Map<Integer, List<ServerTls>> tlsByPort = new TreeMap<>(); // HTTPS servers, one TLS server (filter chain) each
        Map<Integer, List<Map.Entry<Resource<Gateway>, String>>> tlsPaths = new TreeMap<>();
        for (Resource<Gateway> gw : config.all(Kind.GATEWAY, Gateway.class)) {
            if (gw.spec().selector().isEmpty() || !who.labels().entrySet().containsAll(gw.spec().selector().entrySet())) continue;
            List<Server> servers = gw.spec().servers();
            for (int i = 0; i < servers.size(); i++) {
                Server s = servers.get(i);
                String path = "spec.servers[" + i + "]";
                String protocol = s.port().protocol().toUpperCase(Locale.ROOT);
                if (protocol.equals("TCP") || ((protocol.equals("TLS") || protocol.equals("HTTPS")) && s.tls() != null && s.tls().mode() == ServerTLSSettings.TLSmode.PASSTHROUGH)) { // protocols
                    tcpByPort.putIfAbsent(s.port().number(), gw);
                    bindByPort.putIfAbsent(s.port().number(), s.bind() != null ? s.bind() : options.gatewayBind());
                    continue;
                }
                if (protocol.equals("HTTPS") && s.tls() != null) { // gateway TLS: terminated, then routed like HTTP
                    int port = s.port().number();
                    ServerTls chain = serverTls(gw, path + ".tls", s.tls(), s.hosts(), "https:" + port + ":" + gw.namespace() + "/" + gw.name() + ":" + i);
                    if (chain == null) continue;
                    routeTables.put(chain.routeTable(), new RouteTable(chain.routeTable(), dedupeDomains(gatewayVirtualHosts(gw, s, port))));
                    tlsByPort.computeIfAbsent(port, k -> new ArrayList<>()).add(chain);
                    tlsPaths.computeIfAbsent(port, k -> new ArrayList<>()).add(java.util.Map.entry(gw, path));
                    bindByPort.putIfAbsent(port, s.bind() != null ? s.bind() : options.gatewayBind());
                    continue;
                }
                if (protocol.equals("TLS") || protocol.equals("HTTPS")) {
                    note(gw, path + ".tls.mode", (s.tls() == null || s.tls().mode() == null ? "no TLS mode" : s.tls().mode()) + " on a " + protocol
                            + " gateway server is not served by the proxy yet (it serves PASSTHROUGH there; HTTPS servers terminate SIMPLE, MUTUAL,"
                            + " OPTIONAL_MUTUAL and ISTIO_MUTUAL); this server is skipped");
                    continue;
                }
                if (!isHttp(protocol)) {
                    note(gw, path + ".port.protocol", "only HTTP, HTTPS, TCP and TLS gateway servers are served by the proxy yet; this " + protocol + " server is skipped");
                    continue;
                }
                int port = s.port().number();
                bindByPort.putIfAbsent(port, s.bind() != null ? s.bind() : options.gatewayBind());
                List<VirtualHost> hosts = gatewayVirtualHosts(gw, s, port);
                if (s.tls() != null && Boolean.TRUE.equals(s.tls().httpsRedirect())) hosts = httpsRedirect(hosts);
                byPort.computeIfAbsent(port, k -> new ArrayList<>()).addAll(hosts);
            }
            noteHostsNoServerTakes(gw);
        }
        for (var e : byPort.entrySet()) {
            String table = "gateway:" + e.getKey();
            routeTables.put(table, new RouteTable(table, dedupeDomains(e.getValue())));
            listeners.add(new ListenerConfig(table, new HostPort(bindByPort.get(e.getKey()), e.getKey()), ListenerKind.GATEWAY, ListenerProtocol.HTTP, table));
        }
        for (var e : tlsByPort.entrySet()) {
            if (byPort.containsKey(e.getKey())) { // Istio refuses the same port for HTTP and HTTPS servers too
                for (var where : tlsPaths.get(e.getKey())) note(where.getKey(), where.getValue() + ".port.number", "port " + e.getKey() + " already has plaintext HTTP servers; this HTTPS server is skipped");
                continue;
            }
            String name = "gateway:" + e.getKey();
            listeners.add(new ListenerConfig(name, new HostPort(bindByPort.get(e.getKey()), e.getKey()), ListenerKind.GATEWAY, ListenerProtocol.HTTP,
                    e.getValue().getFirst().routeTable()).withTls(e.getValue()));
        }
        for (var e : tcpByPort.entrySet()) { // protocols
            if (tlsByPort.containsKey(e.getKey()) && !byPort.containsKey(e.getKey())) {
                note(e.getValue(), "spec.servers", "port " + e.getKey() + " has HTTPS servers that terminate TLS; TCP or PASSTHROUGH servers on the same port"
                        + " are not served beside them yet and are skipped");
            }
            if (byPort.containsKey(e.getKey()) || tlsByPort.containsKey(e.getKey())) continue;
            String name = "gateway:" + e.getKey();
            listeners.add(new ListenerConfig(name, new HostPort(bindByPort.get(e.getKey()), e.getKey()), ListenerKind.GATEWAY, ListenerProtocol.TCP, name,
                    tcpRoutes.table(e.getKey(), e.getValue())));
        }
    }

    /**
     * Notes each VirtualService bound to {@code gw} with HTTP routes whose hosts none of the
     * gateway's HTTP servers takes (their {@code hosts}, namespace included, do not cover any):
     * its requests get 404 NR there and nothing else would tell why (Istio's analyzer: IST0132).
     */
    private void noteHostsNoServerTakes(Resource<Gateway> gw) {
        for (Resource<VirtualService> vs : virtualServices) {
            if (vs.spec().http().isEmpty() || !bindsTo(vs, gw)) continue;
            boolean taken = false;
            List<String> serverHosts = new ArrayList<>();
            for (Server s : gw.spec().servers()) {
                String protocol = s.port().protocol().toUpperCase(Locale.ROOT);
                if (!isHttp(protocol) && !protocol.equals("HTTPS")) continue;
                serverHosts.addAll(s.hosts());
                for (String h : vs.spec().hosts()) taken |= serverCovers(s, gw.namespace(), vs.namespace(), Hosts.fqdn(h, vs.namespace()));
            }
            if (!taken && !serverHosts.isEmpty()) {
                note(vs, "spec.gateways", "no HTTP server of Gateway " + gw.namespace() + "/" + gw.name() + " takes the hosts " + vs.spec().hosts()
                        + " of this " + vs.namespace() + " VirtualService (server hosts " + serverHosts + "); its requests get 404 NR there");
            }
        }
    }

    /**
     * The virtual hosts of a gateway server: one per VirtualService bound to the gateway, with the
     * hosts the server takes. VirtualServices that claim the same host are merged there, as Istio
     * merges them on gateways: that host gets one virtual host with their routes one after the
     * other, in {@link #mergeOrder} (each keeps its other hosts in its own virtual host).
     */
    private List<VirtualHost> gatewayVirtualHosts(Resource<Gateway> gw, Server server, int port) {
        Map<String, List<Resource<VirtualService>>> claims = new LinkedHashMap<>(); // host -> the VirtualServices that claim it, read order
        Map<Resource<VirtualService>, List<String>> hostsOf = new LinkedHashMap<>();
        for (Resource<VirtualService> vs : virtualServices) {
            if (!bindsTo(vs, gw)) continue;
            List<String> hosts = new ArrayList<>();
            for (String h : vs.spec().hosts()) {
                String host = Hosts.fqdn(h, vs.namespace()); // a short name is the service in the VirtualService's namespace, as in Istio
                if (!serverCovers(server, gw.namespace(), vs.namespace(), host) || hosts.contains(host)) continue;
                hosts.add(host);
                claims.computeIfAbsent(host, k -> new ArrayList<>()).add(vs);
            }
            if (!hosts.isEmpty()) hostsOf.put(vs, hosts);
        }
        Map<Resource<VirtualService>, List<Route>> routes = new HashMap<>();
        List<VirtualHost> out = new ArrayList<>();
        Set<String> merged = new HashSet<>();
        for (var e : hostsOf.entrySet()) {
            Resource<VirtualService> vs = e.getKey();
            List<String> domains = new ArrayList<>();
            for (String host : e.getValue()) {
                List<Resource<VirtualService>> by = claims.get(host);
                if (by.size() == 1) {
                    domains.add(host);
                    if (!host.equals("*")) domains.add(host + ":" + port);
                    continue;
                }
                if (!merged.add(host)) continue; // merged where its first claimant stands
                List<Resource<VirtualService>> ordered = new ArrayList<>(by);
                ordered.sort(this::mergeOrder);
                List<Route> all = new ArrayList<>();
                for (Resource<VirtualService> v : ordered) all.addAll(routes.computeIfAbsent(v, x -> httpRoutes(x, port, gw)));
                List<String> d = host.equals("*") ? List.of(host) : List.of(host, host + ":" + port);
                out.add(new VirtualHost(host + ":" + port, d, List.copyOf(all)));
            }
            if (domains.isEmpty()) continue;
            out.add(new VirtualHost(vs.namespace() + "/" + vs.name() + ":" + port, domains, routes.computeIfAbsent(vs, x -> httpRoutes(x, port, gw))));
        }
        return out;
    }

    /**
     * The order in which VirtualServices merged on a gateway host give their routes: Istio's, by
     * {@code metadata.creationTimestamp} (oldest first; one without a timestamp after those with
     * one), then, as files carry no timestamps of their own, in the order ficus read them (file
     * order, as everywhere ficus picks "the first").
     */
    private int mergeOrder(Resource<VirtualService> a, Resource<VirtualService> b) {
        java.time.Instant ta = createdAt(a), tb = createdAt(b);
        int byTime = ta == null ? (tb == null ? 0 : 1) : tb == null ? -1 : ta.compareTo(tb);
        return byTime != 0 ? byTime : Integer.compare(virtualServices.indexOf(a), virtualServices.indexOf(b));
    }

    private static java.time.Instant createdAt(Resource<?> r) {
        String t = r.metadata() == null ? null : r.metadata().creationTimestamp();
        if (t == null) return null;
        try {
            return java.time.OffsetDateTime.parse(t).toInstant();
        } catch (java.time.format.DateTimeParseException e) {
            return null; // not RFC 3339: as if none were given
        }
    }

    /**
     * The TLS server of a Gateway HTTPS server or a Sidecar ingress listener, or null (noted) when
     * the proxy cannot serve it: {@code credentialName} (no Kubernetes secrets) and AUTO_PASSTHROUGH. {@code caCrl} is noted and ignored.
     */
    private ServerTls serverTls(Resource<?> r, String path, ServerTLSSettings t, List<String> hosts, String routeTable) {
        ServerTLSSettings.TLSmode mode = t.mode() == null ? ServerTLSSettings.TLSmode.SIMPLE : t.mode();
        if (t.credentialName() != null) {
            note(r, path + ".credentialName", "credentialName names a Kubernetes secret, which ficus does not read; give the PEM files in "
                    + "serverCertificate and privateKey (and caCertificates for MUTUAL) instead; this server is skipped");
            return null;
        }
        ServerTls.Mode m = switch (mode) {
            case SIMPLE -> ServerTls.Mode.SIMPLE;
            case MUTUAL -> ServerTls.Mode.MUTUAL;
            case OPTIONAL_MUTUAL -> ServerTls.Mode.OPTIONAL_MUTUAL;
            case ISTIO_MUTUAL -> ServerTls.Mode.ISTIO_MUTUAL;
            default -> null;
        };
        if (m == null) {
            note(r, path + ".mode", mode + " is not served by the proxy yet (it serves SIMPLE, MUTUAL, OPTIONAL_MUTUAL, ISTIO_MUTUAL, and PASSTHROUGH on TLS servers); this server is skipped");
            return null;
        }
        if (t.caCrl() != null) note(r, path + ".caCrl", "certificate revocation lists are not checked by the proxy yet");
        List<String> sni = new ArrayList<>();
        for (String h : hosts) {
            int slash = h.indexOf('/');
            sni.add((slash >= 0 ? h.substring(slash + 1) : h).toLowerCase(Locale.ROOT));
        }
        long mark = r.origin().positions().find(path);
        int line = Positions.line(mark) == 0 ? r.origin().line() : Positions.line(mark);
        int column = Positions.line(mark) == 0 ? r.origin().column() : Positions.column(mark);
        String source = r.origin().file() + ":" + line + ":" + Math.max(column, 1) + ": " + r.subject() + " " + path;
        return new ServerTls(sni, routeTable, m, t.serverCertificate(), t.privateKey(), t.caCertificates(),
                t.subjectAltNames(), t.verifyCertificateSpki(), t.verifyCertificateHash(),
                tlsVersion(t.minProtocolVersion()), tlsVersion(t.maxProtocolVersion()), t.cipherSuites(), source);
    }

    /** The JDK's name of an Istio TLS version; null for TLS_AUTO or unset (the proxy's default). */
    private static String tlsVersion(ServerTLSSettings.TLSProtocol p) {
        if (p == null) return null;
        return switch (p) {
            case TLS_AUTO -> null;
            case TLSV1_0 -> "TLSv1";
            case TLSV1_1 -> "TLSv1.1";
            case TLSV1_2 -> "TLSv1.2";
            case TLSV1_3 -> "TLSv1.3";
        };
    }

    /**
     * {@code tls.httpsRedirect}: every request for these hosts is answered with a 301 to the same
     * host and path over https, as Envoy's {@code require_tls: ALL} which Istio sets.
     */
    private static List<VirtualHost> httpsRedirect(List<VirtualHost> hosts) {
        List<VirtualHost> out = new ArrayList<>(hosts.size());
        for (VirtualHost vh : hosts) {
            out.add(new VirtualHost(vh.name(), vh.domains(), List.of(new Route("https-redirect", RouteMatch.ANY, new RouteAction.Redirect("https", null, null, 301)))));
        }
        return out;
    }

    private boolean bindsTo(Resource<VirtualService> vs, Resource<Gateway> gw) {
        for (String g : vs.spec().gateways()) {
            if (gatewayNameMatches(g, vs.namespace(), gw)) return true;
        }
        return false;
    }

    private static boolean gatewayNameMatches(String ref, String vsNamespace, Resource<Gateway> gw) {
        int slash = ref.indexOf('/');
        String ns = slash > 0 ? ref.substring(0, slash) : vsNamespace;
        String name = slash > 0 ? ref.substring(slash + 1) : ref;
        return ns.equals(gw.namespace()) && name.equals(gw.name());
    }

    /** Whether a Gateway server's {@code hosts} ({@code host}, {@code ns/host}, {@code ./host}) admit a VirtualService host. */
    private static boolean serverCovers(Server server, String gatewayNamespace, String vsNamespace, String vsHost) {
        for (String h : server.hosts()) {
            int slash = h.indexOf('/');
            String ns = slash > 0 ? h.substring(0, slash) : "*";
            if (ns.equals(".")) ns = gatewayNamespace;
            String host = (slash > 0 ? h.substring(slash + 1) : h).toLowerCase(Locale.ROOT);
            if (!ns.equals("*") && !ns.equals(vsNamespace)) continue;
            if (host.equals("*") || Hosts.covers(host, vsHost) || (vsHost.startsWith("*") && vsHost.equals(host))) return true;
        }
        return false;
    }

    private Optional<Resource<Sidecar>> sidecarFor() {
        List<Resource<Sidecar>> all = config.all(Kind.SIDECAR, Sidecar.class);
        for (Resource<Sidecar> s : all) {
            var sel = s.spec().workloadSelector();
            if (s.namespace().equals(who.namespace()) && sel != null && !sel.labels().isEmpty() && sel.matches(who.labels())) return Optional.of(s);
        }
        for (Resource<Sidecar> s : all) {
            var sel = s.spec().workloadSelector();
            if (s.namespace().equals(who.namespace()) && (sel == null || sel.labels().isEmpty())) return Optional.of(s);
        }
        for (Resource<Sidecar> s : all) {
            var sel = s.spec().workloadSelector();
            if (s.namespace().equals(ROOT_NAMESPACE) && (sel == null || sel.labels().isEmpty())) return Optional.of(s);
        }
        return Optional.empty();
    }

    private void sidecarListeners(Resource<Sidecar> sc) {
        List<IstioIngressListener> ingress = sc.spec().ingress();
        for (int i = 0; i < ingress.size(); i++) {
            IstioIngressListener in = ingress.get(i);
            String path = "spec.ingress[" + i + "]";
            if (in.port() == null || in.port().number() == null) continue;
            int port = in.port().number();
            // Istio reads only port.protocol here (the name is a label, unlike a Service port's):
            // unset, each connection is sniffed, HTTP/1.x or h2c, else opaque TCP
            String protocol = in.port().protocol() != null ? in.port().protocol().toUpperCase(Locale.ROOT) : null;
            boolean sniffed = protocol == null && in.tls() == null;
            if (protocol == null) protocol = "HTTP";
            if (!isHttp(protocol) && !isOpaque(protocol)) {
                note(sc, path + ".port.protocol", "only HTTP and TCP inbound listeners are served by the proxy yet; this " + protocol + " listener is skipped");
                continue;
            }
            noteIngressPortName(sc, path + ".port", in.port().name(), sniffed ? null : protocol, in.port().protocol() != null);
            if (in.tls() != null && isOpaque(protocol)) note(sc, path + ".tls", "TLS on TCP inbound listeners is not terminated by the proxy yet; the listener passes the bytes as they are");
            Optional<HostPort> app = defaultEndpoint(sc, path, in.defaultEndpoint(), port);
            if (app.isEmpty()) continue;
            String cluster = "inbound|" + port + "||";
            // the app behind this proxy: always plaintext, whatever its labels say about mTLS; spoken to as Istio's
            // inbound cluster does: HTTP/2 for an HTTP2 or GRPC port, the client's own protocol on a sniffed one
            ClusterConfig app0 = ClusterConfig.of(cluster, new Endpoint(app.get(), 1, who.labels(), HealthStatus.HEALTHY)).withTls(UpstreamTls.DISABLE);
            if (sniffed) app0 = app0.withUpstreamProtocol(UpstreamProtocol.CLIENT);
            else if (protocol.equals("HTTP2") || protocol.equals("GRPC")) app0 = app0.withUpstreamProtocol(UpstreamProtocol.HTTP2);
            clusters.put(cluster, app0);
            String table = "inbound:" + port;
            if (isOpaque(protocol)) { // protocols: bytes to the app
                String bindTo = in.bind() != null ? in.bind() : options.inboundBind();
                TcpRoute all = new TcpRoute("inbound", List.of(), RouteAction.Forward.to(cluster));
                listeners.add(new ListenerConfig(table, new HostPort(bindTo, port), ListenerKind.INBOUND, ListenerProtocol.TCP, table, new dev.ficus.xds.snapshot.TcpRouteTable(List.of(all))));
                continue;
            }
            Route route = new Route("inbound", RouteMatch.ANY, RouteAction.Forward.to(cluster), Duration.ZERO, HeaderMutations.NONE, HeaderMutations.NONE);
            routeTables.put(table, new RouteTable(table, List.of(new VirtualHost("inbound:" + port, List.of("*"), List.of(route)))));
            String bind = in.bind() != null ? in.bind() : options.inboundBind();
            ServerTls tls = in.tls() == null ? null : serverTls(sc, path + ".tls", in.tls(), List.of("*"), table); // terminated instead of mesh mTLS
            if (in.tls() != null && tls == null) continue; // noted: not served rather than served in plaintext
            ListenerConfig l = sniffed
                    ? new ListenerConfig(table, new HostPort(bind, port), ListenerKind.INBOUND, ListenerProtocol.AUTO, table,
                            new dev.ficus.xds.snapshot.TcpRouteTable(List.of(new TcpRoute("inbound", List.of(), RouteAction.Forward.to(cluster)))))
                    : new ListenerConfig(table, new HostPort(bind, port), ListenerKind.INBOUND, ListenerProtocol.HTTP, table);
            listeners.add(tls == null ? l : l.withTls(List.of(tls)));
        }
        List<IstioEgressListener> egress = sc.spec().egress();
        for (int i = 0; i < egress.size(); i++) {
            IstioEgressListener eg = egress.get(i);
            if (eg.port() == null || eg.port().number() == null) continue;
            String path = "spec.egress[" + i + "]";
            int port = eg.port().number();
            // Istio sniffs an egress port whose protocol is unset (its name is only a label there):
            // HTTP/1.x or h2c goes by the HTTP routes, anything else by the port's TCP routes
            boolean sniffed = eg.port().protocol() == null;
            String protocol = sniffed ? "HTTP" : eg.port().protocol().toUpperCase(Locale.ROOT);
            String table = "egress:" + port;
            if (isOpaque(protocol)) { // protocols: tcp[] and tls[] routes bound to mesh
                String bindTo = eg.bind() != null ? eg.bind() : options.outboundBind();
                listeners.add(new ListenerConfig(table, new HostPort(bindTo, port), ListenerKind.OUTBOUND, ListenerProtocol.TCP, table,
                        withServiceDefault(tcpRoutes.table(port, null), Set.copyOf(eg.hosts()), port, sc, path)));
                continue;
            }
            if (!isHttp(protocol)) {
                note(sc, path + ".port.protocol", "only HTTP and TCP egress listeners are served by the proxy yet; this " + protocol + " listener is skipped");
                continue;
            }
            routeTables.put(table, meshRouteTable(table, Set.copyOf(eg.hosts())));
            String bind = eg.bind() != null ? eg.bind() : options.outboundBind();
            listeners.add(sniffed
                    ? new ListenerConfig(table, new HostPort(bind, port), ListenerKind.OUTBOUND, ListenerProtocol.AUTO, table,
                            withServiceDefault(tcpRoutes.table(port, null), Set.copyOf(eg.hosts()), port, sc, path))
                    : new ListenerConfig(table, new HostPort(bind, port), ListenerKind.OUTBOUND, ListenerProtocol.HTTP, table));
        }
    }

    /**
     * Warns when a Sidecar ingress port's name reads as a protocol ({@code http-web}, {@code tcp-db},
     * the {@code <protocol>[-<suffix>]} convention of Service ports) that is not what the listener
     * serves: Istio, and so ficus, takes an ingress port's protocol from {@code protocol} alone.
     * {@code used} is the protocol served, null when the port is sniffed; {@code set}: whether
     * {@code port.protocol} says it (else it is HTTP behind the port's TLS).
     */
    private void noteIngressPortName(Resource<Sidecar> sc, String path, String name, String used, boolean set) {
        String named = protocolOfName(name);
        if (named == null) return;
        if (used == null) {
            note(sc, path + ".name", "the name '" + name + "' reads as " + named + ", but a Sidecar ingress port takes its protocol from port.protocol only"
                    + " (as in Istio): without it, each connection is sniffed (HTTP/1.x or h2c as HTTP, anything else as opaque TCP); set protocol: "
                    + named + " to serve " + named);
        } else if (isHttp(named) != isHttp(used)) {
            note(sc, path + ".name", "the name '" + name + "' reads as " + named + ", but the port is served as " + used
                    + (set ? ", its port.protocol" : " behind its TLS (port.protocol is unset)"));
        }
    }

    /**
     * The Sidecar's {@code outboundTrafficPolicy.mode}, else Istio's mesh default ALLOW_ANY: an app
     * that uses the proxy as its HTTP_PROXY keeps reaching hosts outside the registry.
     */
    private OutboundPolicy outboundPolicy(Optional<Resource<Sidecar>> sidecar) {
        var otp = sidecar.map(sc -> sc.spec().outboundTrafficPolicy()).orElse(null);
        if (otp == null || otp.mode() == null) return OutboundPolicy.ALLOW_ANY;
        return otp.mode() == dev.ficus.api.networking.OutboundTrafficPolicy.Mode.REGISTRY_ONLY ? OutboundPolicy.REGISTRY_ONLY : OutboundPolicy.ALLOW_ANY;
    }

    /**
     * The TCP routes of an egress port, ending, as Istio's listener for a service port does, with
     * the service itself when no VirtualService routes all of the port: the one service among the
     * egress hosts that has the port. Several such services cannot be told apart on one port (Istio
     * tells them by their cluster IPs, which ficus's loopback binds do not have): noted, and their
     * connections get NR unless a VirtualService's {@code tcp} route says where they go.
     */
    private dev.ficus.xds.snapshot.TcpRouteTable withServiceDefault(dev.ficus.xds.snapshot.TcpRouteTable t, Set<String> egressHosts, int port,
                                                                    Resource<Sidecar> sc, String path) {
        for (TcpRoute r : t.routes()) if (r.sniHosts().isEmpty()) return t; // a VirtualService routes every connection already
        List<ServiceRegistry.Service> found = new ArrayList<>();
        for (ServiceRegistry.Service svc : registry.services()) {
            if (svc.host().contains("*") || !egressAllows(egressHosts, svc.namespace(), svc.host())) continue;
            if (svc.port(port).isPresent()) found.add(svc);
        }
        // TLS to a service that a tls route names is told apart by its server name: only the others are in doubt
        List<String> undecided = found.stream().map(ServiceRegistry.Service::host)
                .filter(h -> t.routes().stream().noneMatch(r -> !r.sniHosts().isEmpty() && r.matches(h))).sorted().toList();
        if (found.size() > 1 && !undecided.isEmpty()) {
            note(sc, path + ".port", "services " + found.stream().map(ServiceRegistry.Service::host).sorted().toList() + " all have port " + port
                    + ": a connection to it that no tls route takes by its server name (" + String.join(", ", undecided)
                    + ") cannot tell them apart; give a VirtualService tcp route for it (until then: NR)");
        }
        if (found.size() != 1) return t;
        String host = found.getFirst().host();
        List<TcpRoute> routes = new ArrayList<>(t.routes());
        routes.add(new TcpRoute("default." + host, List.of(), RouteAction.Forward.to(cluster(host, port, null, sc, path + ".hosts"))));
        return new dev.ficus.xds.snapshot.TcpRouteTable(routes);
    }

    /** The catch-all virtual host of the outbound route tables when the Sidecar names an egress proxy, else null. */
    private VirtualHost egressProxy;

    /**
     * Istio's {@code outboundTrafficPolicy.egressProxy} (mode ALLOW_ANY): like Istio's catch-all
     * virtual host {@code allow_any}, a virtual host for every authority no other one claims
     * ({@code *}) whose route sends to the egress proxy's cluster, resolved like any route
     * destination (its DestinationRule applies), instead of the passthrough cluster: HTTP requests
     * go there with their Host kept, and a CONNECT tunnel's bytes go there as they are (Istio's
     * TCP catch-all does the same with the raw connection; TLS keeps its SNI). No timeout and no
     * retries, as on Istio's route. An egress host the registry does not know gets 503 UH rather
     * than the direct path the user asked to avoid.
     */
    private Optional<VirtualHost> egressProxy(Resource<Sidecar> sc) {
        var otp = sc.spec().outboundTrafficPolicy();
        if (otp == null || otp.egressProxy() == null || otp.egressProxy().host() == null) return Optional.empty();
        String path = "spec.outboundTrafficPolicy.egressProxy";
        if (otp.mode() == dev.ficus.api.networking.OutboundTrafficPolicy.Mode.REGISTRY_ONLY) {
            note(sc, path, "applies only with mode ALLOW_ANY; hosts outside the registry are refused");
            return Optional.empty();
        }
        var dest = otp.egressProxy();
        String host = Hosts.fqdn(dest.host(), sc.namespace());
        Integer port = dest.port() != null ? dest.port().number() : null;
        if (port == null) port = onlyPort(host);
        if (port == null) {
            note(sc, path + ".port", "the egress proxy needs a port number; hosts outside the registry are reached directly");
            return Optional.empty();
        }
        String cluster = cluster(host, port, dest.subset(), sc, path);
        return Optional.of(new VirtualHost("allow_any", List.of("*"), List.of(new Route("allow_any", RouteMatch.ANY,
                RouteAction.Forward.to(cluster), Duration.ZERO, HeaderMutations.NONE, HeaderMutations.NONE))));
    }

    private Set<String> egressHostsWithoutPort(Resource<Sidecar> sc) {
        Set<String> hosts = new HashSet<>();
        for (IstioEgressListener eg : sc.spec().egress()) {
            if (eg.port() == null || eg.port().number() == null) hosts.addAll(eg.hosts());
        }
        return hosts.isEmpty() ? null : hosts;
    }

    private Optional<HostPort> defaultEndpoint(Resource<?> r, String path, String text, int port) {
        if (text == null || text.isEmpty()) return Optional.of(new HostPort("127.0.0.1", port));
        if (text.startsWith("unix://")) {
            note(r, path + ".defaultEndpoint", "unix domain socket endpoints are not served by the proxy yet; the listener is skipped");
            return Optional.empty();
        }
        HostPort hp = HostPort.parse(text);
        if (hp.host().equals("0.0.0.0")) hp = new HostPort("127.0.0.1", hp.port());
        if (hp.host().equals("::")) hp = new HostPort("::1", hp.port());
        return Optional.of(hp);
    }

    // ---- mesh routing ----

    /**
     * The route table {@code name}: virtual hosts for every service (optionally only those an egress {@code ns/host} list
     * allows), with the VirtualServices bound to {@code mesh}, plus VirtualService hosts that name
     * no registered service.
     */
    private RouteTable meshRouteTable(String name, Set<String> egressHosts) {
        List<VirtualHost> out = new ArrayList<>();
        Set<String> covered = new HashSet<>();
        for (ServiceRegistry.Service svc : registry.services()) {
            // a wildcard service is served by a virtual host of its own only when a VirtualService routes it;
            // else its hosts go the way of hosts outside the registry (the passthrough, for resolution NONE)
            if (svc.host().contains("*") && meshVirtualServiceFor(svc.host()).isEmpty()) continue;
            if (egressHosts != null && !egressAllows(egressHosts, svc.namespace(), svc.host())) continue;
            if (cache == null) {
                Optional<Resource<VirtualService>> vs = meshVirtualServiceFor(svc.host());
                vs.ifPresent(v -> covered.add(v.namespace() + "/" + v.name()));
                serviceVirtualHosts(svc, vs, out);
                continue;
            }
            TranslationCache.Piece piece = piece(svc);
            if (piece.virtualService() != null) covered.add(piece.virtualService().namespace() + "/" + piece.virtualService().name());
            replay(piece.events());
            out.addAll(piece.virtualHosts());
        }
        // VirtualServices whose hosts are not services of the registry still route by Host.
        for (Resource<VirtualService> vs : virtualServices) {
            if (!vs.spec().effectiveGateways().contains(VirtualService.MESH) || covered.contains(vs.namespace() + "/" + vs.name())) continue;
            List<String> domains = new ArrayList<>();
            for (String h : vs.spec().hosts()) {
                String host = Hosts.fqdn(h, vs.namespace());
                if (registry.find(host).isPresent() || host.equals("*")) continue;
                if (egressHosts != null && !egressAllows(egressHosts, vs.namespace(), host)) continue;
                domains.add(host);
                domains.add(host + ":80");
                if (!h.equalsIgnoreCase(host)) domains.add(h.toLowerCase(Locale.ROOT));
            }
            if (!domains.isEmpty()) out.add(new VirtualHost(vs.namespace() + "/" + vs.name(), domains, httpRoutes(vs, 80, null)));
        }
        if (egressProxy != null) out.add(egressProxy); // hosts outside the registry: to the egress proxy, not passed through
        // as in Istio's sidecar, a service answers on the ports it declares: Host reviews:81 names no service when reviews has 9080 alone
        return cache == null ? new RouteTable(name, dedupeDomains(out), true) : cache.table(name, out);
    }

    /** A service's outbound virtual hosts, one per port, with the mesh VirtualService for its host, if any. */
    private void serviceVirtualHosts(ServiceRegistry.Service svc, Optional<Resource<VirtualService>> vs, List<VirtualHost> out) {
        List<ServiceRegistry.Port> ports = svc.ports().isEmpty() ? List.of(new ServiceRegistry.Port(80, "http", "HTTP", null)) : svc.ports();
        int defaultPort = ports.stream().filter(p -> p.number() == 80).findFirst()
                .or(() -> ports.stream().filter(ServiceRegistry.Port::isHttp).findFirst())
                .orElse(ports.getFirst()).number();
        for (ServiceRegistry.Port p : ports) {
            // CONNECT host:port first: the VirtualService's tcp routes of the port, as for a TCP connection to it
            List<Route> routes = vs.isPresent() ? new ArrayList<>(tcpRoutes.connectRoutes(vs.get(), p.number())) : new ArrayList<>(1);
            List<Route> http = vs.isPresent() ? httpRoutes(vs.get(), p.number(), null) : List.of();
            if (!http.isEmpty()) {
                routes.addAll(http);
            } else { // as in Istio, a VirtualService without an HTTP route for the port (only tcp routes, say) leaves the service its default route
                routes.add(new Route("default", RouteMatch.ANY,
                        RouteAction.Forward.to(httpDestination(svc.host(), p.number(), null, null, null)), Duration.ZERO, HeaderMutations.NONE, HeaderMutations.NONE,
                        RoutePolicies.ISTIO_DEFAULT));
            }
            out.add(new VirtualHost(svc.host() + ":" + p.number(), domains(svc, p.number(), p.number() == defaultPort), List.copyOf(routes)));
        }
    }

    // ---- the cache: a service's piece, reused where its facts hold ----

    /** What a piece being computed records: the facts it reads, and its notes and cluster calls in order. */
    private static final class Recording {
        final List<TranslationCache.Fact> facts = new ArrayList<>();
        List<TranslationCache.Event> events = new ArrayList<>(); // where notes go now (a cluster's own while it is made)
    }

    /** The cached piece of {@code svc} whose facts hold for this translation, or a new one, computed and kept. */
    private TranslationCache.Piece piece(ServiceRegistry.Service svc) {
        for (TranslationCache.Piece p : cache.pieces(svc.host())) {
            if (holds(p)) return p;
        }
        Recording r = recording = new Recording();
        try {
            r.facts.add(new TranslationCache.ServiceIs(svc.host(), svc));
            Optional<Resource<VirtualService>> vs = meshVirtualServiceFor(svc.host());
            r.facts.add(new TranslationCache.VirtualServiceIs(svc.host(), vs.orElse(null)));
            List<VirtualHost> hosts = new ArrayList<>();
            serviceVirtualHosts(svc, vs, hosts);
            TranslationCache.Piece p = new TranslationCache.Piece(svc.host(), List.copyOf(r.facts), List.copyOf(r.events), List.copyOf(hosts), vs.orElse(null));
            p.heldFor().set(index); // computed from this configuration: its facts hold here
            cache.keep(p);
            return p;
        } finally {
            recording = null;
        }
    }

    /**
     * Whether every fact a piece was computed from holds for this translation (this config, this
     * proxy). The facts that read the configuration alone are looked up once per configuration:
     * when they held for an earlier proxy of it, they hold for this one.
     */
    private boolean holds(TranslationCache.Piece p) {
        boolean configHeld = p.heldFor().is(index);
        for (TranslationCache.Fact f : p.facts()) {
            if (configHeld && TranslationCache.configOnly(f, index)) continue;
            boolean ok = switch (f) {
                case TranslationCache.ServiceIs x -> TranslationCache.same(registry.find(x.host()).orElse(null), x.service());
                case TranslationCache.RuleIs x -> TranslationCache.sameAll(destinationRulesFor(x.host()), x.rules());
                case TranslationCache.VirtualServiceIs x -> TranslationCache.same(meshVirtualServiceFor(x.host()).orElse(null), x.virtualService());
                case TranslationCache.NamespaceIs x -> who.namespace().equals(x.namespace()) == x.is();
                case TranslationCache.LabelsInclude x -> who.labels().entrySet().containsAll(x.labels().entrySet()) == x.does();
                case TranslationCache.RolloutsAre x -> TranslationCache.same(parallelRuns.rolloutFor(x.virtualService()), x.parallelRun())
                        && TranslationCache.same(fallbacks.rolloutFor(x.virtualService()), x.fallback());
            };
            if (!ok) return false;
        }
        if (!configHeld) p.heldFor().set(index); // written once per configuration, not by every identity (parallel translations share pieces)
        return true;
    }

    /** Does again what a piece did: its notes, and each cluster it asked for that this translation does not hold yet. */
    private void replay(List<TranslationCache.Event> events) {
        for (TranslationCache.Event e : events) {
            switch (e) {
                case TranslationCache.NoteCall n -> note(n.resource(), n.path(), n.message());
                case TranslationCache.ClusterCall c -> {
                    if (clusters.containsKey(c.name())) continue;
                    c.notes().forEach(n -> note(n.resource(), n.path(), n.message()));
                    clusters.put(c.name(), c.config());
                }
            }
        }
    }

    /**
     * Notes every mesh VirtualService that claims a host an earlier one claims already (Istio's
     * analyzer: IST0109): sidecars take the first one's routes for that host and none of the
     * later one's, where a gateway would merge them.
     */
    private void noteMeshConflicts() {
        for (List<HostRule<Resource<VirtualService>>> shared : index.meshVsShared()) {
            List<HostRule<Resource<VirtualService>>> claims = shared.stream().filter(c -> visible(c.rule())).toList(); // those this proxy sees
            if (claims.size() < 2) continue;
            Resource<VirtualService> first = claims.getFirst().rule();
            for (HostRule<Resource<VirtualService>> later : claims.subList(1, claims.size())) {
                Resource<VirtualService> vs = later.rule();
                note(vs, "spec.hosts", "host " + later.host() + " is claimed for sidecars (mesh) by VirtualServices " + first.namespace() + "/" + first.name()
                        + " and " + vs.namespace() + "/" + vs.name() + "; Istio does not merge them for sidecars (IST0109): the first read, "
                        + first.namespace() + "/" + first.name() + ", routes the host and this one's routes for it are not applied; merge them into one"
                        + " VirtualService (on a gateway they would be merged)");
            }
        }
    }

    /** Whether the proxy's namespace is {@code namespace}; a fact of the piece being computed. */
    private boolean inNamespace(String namespace) {
        boolean is = who.namespace().equals(namespace);
        if (recording != null) recording.facts.add(new TranslationCache.NamespaceIs(namespace, is));
        return is;
    }

    /** Whether the proxy's labels include {@code labels}; a fact of the piece being computed. */
    private boolean labelled(Map<String, String> labels) {
        boolean does = who.labels().entrySet().containsAll(labels.entrySet());
        if (recording != null) recording.facts.add(new TranslationCache.LabelsInclude(labels, does));
        return does;
    }

    /** The registry's service for a host; a fact of the piece being computed. */
    private Optional<ServiceRegistry.Service> service(String host) {
        Optional<ServiceRegistry.Service> svc = registry.find(host);
        if (recording != null) recording.facts.add(new TranslationCache.ServiceIs(host, svc.orElse(null)));
        return svc;
    }

    /** Whether a Sidecar egress list ({@code ns/host}: {@code *}, {@code .} for the proxy's own namespace, {@code ~} for none) admits a host. */
    private boolean egressAllows(Set<String> egressHosts, String namespace, String host) {
        for (String e : egressHosts) {
            int slash = e.indexOf('/');
            if (slash < 0) continue;
            String ns = e.substring(0, slash);
            if (ns.equals(".")) ns = who.namespace();
            String h = e.substring(slash + 1).toLowerCase(Locale.ROOT);
            boolean nsOk = ns.equals("*") || ns.equals(namespace);
            if (nsOk && (h.equals("*") || Hosts.covers(h, host))) return true;
        }
        return false;
    }

    /**
     * The mesh VirtualService for a host: Istio's sidecars take one per host, not a merge (unlike
     * gateways); the first one read wins, exact host or wildcard. The others are noted by
     * {@link #noteMeshConflicts}.
     */
    private Optional<Resource<VirtualService>> meshVirtualServiceFor(String fqdn) {
        HostRule<Resource<VirtualService>> best = null;
        for (HostRule<Resource<VirtualService>> e : meshVsByHost.getOrDefault(fqdn, List.of())) {
            if (visible(e.rule())) {
                best = e;
                break;
            }
        }
        for (HostRule<Resource<VirtualService>> w : meshVsWildcards) {
            if (best != null && w.order() >= best.order()) break; // in config order: nothing earlier remains
            if (Hosts.covers(w.host(), fqdn) && visible(w.rule())) {
                best = w;
                break;
            }
        }
        return Optional.ofNullable(best).map(HostRule::rule);
    }

    /** Whether a VirtualService is exported to the proxy's namespace ({@code exportTo}). */
    private boolean visible(Resource<VirtualService> vs) {
        return ExportTo.visible(vs.spec().exportTo(), vs.namespace(), who.namespace());
    }

    /** The authorities a service answers to, as Envoy virtual host domains. */
    private List<String> domains(ServiceRegistry.Service svc, int port, boolean defaultPort) {
        List<String> names = new ArrayList<>();
        String host = svc.host();
        names.add(host);
        String suffix = "." + Hosts.CLUSTER_SUFFIX;
        if (host.endsWith(suffix)) {
            String[] parts = host.substring(0, host.length() - suffix.length()).split("\\.");
            if (parts.length == 2) {
                names.add(parts[0] + "." + parts[1] + ".svc");
                names.add(parts[0] + "." + parts[1]);
                if (inNamespace(parts[1])) names.add(parts[0]);
            }
        }
        if (svc.source() != null) {
            for (String a : svc.source().spec().addresses()) {
                if (!a.contains("/")) names.add(a);
            }
        }
        List<String> out = new ArrayList<>();
        for (String n : names) {
            out.add(n + ":" + port);
            if (defaultPort) out.add(n);
        }
        return out;
    }

    private static List<VirtualHost> dedupeDomains(List<VirtualHost> hosts) {
        return dedupe(hosts, null);
    }

    /**
     * {@code hosts} with each domain kept only by the first virtual host that claims it (a host
     * left with none is dropped). {@code slots}, when given, receives for each host its index in the
     * result, or -1 when dropped.
     */
    static List<VirtualHost> dedupe(List<VirtualHost> hosts, int[] slots) {
        Set<String> claimed = new HashSet<>();
        List<VirtualHost> out = new ArrayList<>();
        for (int h = 0; h < hosts.size(); h++) {
            VirtualHost vh = hosts.get(h);
            List<String> domains = vh.domains();
            List<String> free = null; // null while every domain so far is free: most virtual hosts keep theirs
            for (int i = 0; i < domains.size(); i++) {
                boolean claims = claimed.add(domains.get(i));
                if (!claims && free == null) free = new ArrayList<>(domains.subList(0, i));
                else if (claims && free != null) free.add(domains.get(i));
            }
            if (slots != null) slots[h] = free != null && free.isEmpty() ? -1 : out.size();
            if (free == null) out.add(vh);
            else if (!free.isEmpty()) out.add(new VirtualHost(vh.name(), List.copyOf(free), vh.routes()));
        }
        return out;
    }

    private List<Route> httpRoutes(Resource<VirtualService> vs, int port, Resource<Gateway> gateway) {
        List<Route> out = new ArrayList<>();
        List<HTTPRoute> http = vs.spec().http();
        if (recording != null) recording.facts.add(new TranslationCache.RolloutsAre(vs, parallelRuns.rolloutFor(vs), fallbacks.rolloutFor(vs)));
        for (int i = 0; i < http.size(); i++) {
            HTTPRoute hr = http.get(i);
            String path = "spec.http[" + i + "]";
            RouteAction action = action(vs, path, hr, port);
            if (action == null) continue;
            HeaderMutations req = mutations(hr.headers() == null ? null : hr.headers().request());
            HeaderMutations resp = mutations(hr.headers() == null ? null : hr.headers().response());
            Duration timeout = hr.timeout() != null ? hr.timeout() : Duration.ZERO;
            String name = hr.name() != null ? hr.name() : vs.name() + ".http[" + i + "]";
            RouteParallelRun parallel = action instanceof RouteAction.Forward ? parallelRuns.forRoute(vs, hr, port) : null;
            dev.ficus.xds.snapshot.RouteFallback fallback = action instanceof RouteAction.Forward ? fallbacks.forRoute(vs, hr, port) : null;
            if (hr.match().isEmpty()) {
                out.add(new Route(name, RouteMatch.ANY, action, timeout, req, resp, policies(vs, path, hr, RouteMatch.ANY, port, parallel, fallback)));
                continue;
            }
            for (int m = 0; m < hr.match().size(); m++) {
                RouteMatch rm = routeMatch(vs, path + ".match[" + m + "]", hr.match().get(m), port, gateway);
                if (rm != null) out.add(new Route(name, rm, action, timeout, req, resp, policies(vs, path, hr, rm, port, parallel, fallback)));
            }
        }
        return out;
    }

    /**
     * Retries, faults, mirrors and rewrites of one route and match (see {@link RoutePolicyTranslator}),
     * and the parallel run a Rollout attaches to it, if any.
     */
    private RoutePolicies policies(Resource<VirtualService> vs, String path, HTTPRoute hr, RouteMatch match, int port, RouteParallelRun parallel,
                                   dev.ficus.xds.snapshot.RouteFallback fallback) {
        RoutePolicies p = RoutePolicyTranslator.translate(hr, match, path, vs.namespace(),
                (host, pp, subset, at) -> { // no port: the service's only one, else the route's (as for route destinations)
                    Integer q = pp != null ? pp : onlyPort(host);
                    return cluster(host, q == null ? port : q, subset, vs, at);
                }, (at, message) -> note(vs, at, message));
        if (fallback != null) p = p.withFallback(fallback);
        return parallel == null ? p : p.withParallelRun(parallel);
    }

    private RouteAction action(Resource<VirtualService> vs, String path, HTTPRoute hr, int port) {
        if (hr.directResponse() != null) {
            var dr = hr.directResponse();
            String body = dr.body() == null ? "" : new String(dr.body().toBytes(), StandardCharsets.UTF_8);
            return new RouteAction.DirectResponse(dr.status(), body);
        }
        if (hr.redirect() != null) {
            var r = hr.redirect();
            return new RouteAction.Redirect(r.scheme(), r.authority(), r.uri(), r.effectiveRedirectCode(), redirectPort(r, port));
        }
        if (hr.route().isEmpty()) return null;
        List<WeightedCluster> targets = new ArrayList<>();
        List<HTTPRouteDestination> route = hr.route();
        for (int d = 0; d < route.size(); d++) {
            HTTPRouteDestination rd = route.get(d);
            var dest = rd.destination();
            String host = Hosts.fqdn(dest.host(), vs.namespace());
            Integer destPort = dest.port() != null ? dest.port().number() : null;
            if (destPort == null) destPort = onlyPort(host);
            String cluster = httpDestination(host, destPort == null ? port : destPort, dest.subset(), vs, path + ".route[" + d + "].destination");
            int weight = route.size() == 1 && rd.weight() == null ? 100 : rd.weightOrZero();
            Headers dh = rd.headers(); // applied when this destination is picked, before the route's edits (Envoy's order)
            targets.add(new WeightedCluster(cluster, weight, mutations(dh == null ? null : dh.request()), mutations(dh == null ? null : dh.response())));
        }
        if (targets.stream().allMatch(t -> t.weight() == 0)) return null;
        return new RouteAction.Forward(targets);
    }

    /**
     * The Location port of a redirect, as Istio's translation sets Envoy's {@code port_redirect}:
     * {@code port}, or the route's own port for {@code derivePort: FROM_REQUEST_PORT}; none (0,
     * the request's host as it is) for {@code FROM_PROTOCOL_DEFAULT}, and none when the port is
     * the default of the Location's scheme ({@code redirect.scheme}, else that of the listener:
     * plaintext here, TLS-terminating gateway servers are not served yet).
     */
    private static int redirectPort(dev.ficus.api.networking.HTTPRedirect r, int routePort) {
        if (r.port() == null && r.derivePort() == null) return 0;
        int p = r.port() != null ? r.port()
                : r.derivePort() == dev.ficus.api.networking.HTTPRedirect.RedirectPortSelection.FROM_REQUEST_PORT ? routePort : 0;
        String scheme = r.scheme() != null ? r.scheme() : "http";
        if ((p == 80 && scheme.equals("http")) || (p == 443 && scheme.equals("https"))) return 0;
        return p;
    }

    /**
     * The port of a destination that names none, as Istio picks it: the service's only port when
     * it has one; null (the port the request came in on) when it has several or is not known.
     */
    private Integer onlyPort(String host) {
        Optional<ServiceRegistry.Service> svc = service(host);
        return svc.isPresent() && svc.get().ports().size() == 1 ? svc.get().ports().getFirst().number() : null;
    }

    private RouteMatch routeMatch(Resource<VirtualService> vs, String path, HTTPMatchRequest m, int port, Resource<Gateway> gateway) {
        if (m.port() != null && m.port() != port) return null;
        if (!m.sourceLabels().isEmpty() && !labelled(m.sourceLabels())) return null;
        if (m.sourceNamespace() != null && !inNamespace(m.sourceNamespace())) return null;
        if (!m.gateways().isEmpty()) {
            boolean applies = gateway == null
                    ? m.gateways().contains(VirtualService.MESH)
                    : m.gateways().stream().anyMatch(g -> gatewayNameMatches(g, vs.namespace(), gateway));
            if (!applies) return null;
        }
        StringMatch uri = m.uri() == null ? null : stringMatch(m.uri());
        List<HeaderMatch> headers = new ArrayList<>();
        m.headers().forEach((name, sm) -> headers.add(new HeaderMatch(name, stringMatch(sm))));
        m.withoutHeaders().forEach((name, sm) -> headers.add(new HeaderMatch(name, stringMatch(sm), true)));
        if (m.authority() != null) headers.add(new HeaderMatch("host", stringMatch(m.authority())));
        String method = null;
        if (m.method() != null) {
            if (m.method().exact() != null) method = m.method().exact();
            else headers.add(new HeaderMatch(":method", stringMatch(m.method()))); // prefix, regex: Istio's :method header match
        }
        if (m.scheme() != null) headers.add(new HeaderMatch(":scheme", stringMatch(m.scheme())));
        List<QueryParamMatch> query = new ArrayList<>();
        new TreeMap<>(m.queryParams()).forEach((name, sm) -> query.add(new QueryParamMatch(name, sm == null ? new StringMatch.Present() : stringMatch(sm))));
        return new RouteMatch(uri, headers, method, query, Boolean.TRUE.equals(m.ignoreUriCase()));
    }

    private static StringMatch stringMatch(dev.ficus.api.networking.StringMatch m) {
        if (m.exact() != null) return new StringMatch.Exact(m.exact());
        if (m.prefix() != null) return new StringMatch.Prefix(m.prefix());
        if (m.regex() != null) return new StringMatch.Regex(m.regex());
        return new StringMatch.Present();
    }

    private static HeaderMutations mutations(Headers.HeaderOperations ops) {
        if (ops == null) return HeaderMutations.NONE;
        List<HeaderMutations.Header> set = new ArrayList<>();
        ops.set().forEach((k, v) -> set.add(new HeaderMutations.Header(k, v)));
        List<HeaderMutations.Header> add = new ArrayList<>();
        ops.add().forEach((k, v) -> add.add(new HeaderMutations.Header(k, v)));
        return new HeaderMutations(ops.remove(), set, add);
    }

    // ---- clusters ----

    /**
     * Where an HTTP route (or a CONNECT tunnel's route) to a destination forwards: its
     * {@link #cluster}, except for a wildcard service with {@code resolution: NONE} and no
     * endpoints, which Istio sends to each request's original destination: here the passthrough to
     * the host and port the request (or the CONNECT) names, where the proxy sends that host when no
     * route names it, so that the service's VirtualService adds its routes and changes nothing else.
     */
    private String httpDestination(String host, int port, String subset, Resource<?> from, String path) {
        if (subset == null && originalDestinationOnly(host)) return ClusterConfig.PASSTHROUGH;
        return cluster(host, port, subset, from, path);
    }

    /**
     * Where a route of a TCP listener port forwards: its {@link #cluster}. A wildcard service with
     * {@code resolution: NONE} has no endpoints, and a connection to the port names no host to pass
     * through to (the proxy does not read the original destination address), so such a route is
     * noted: its connections get UH.
     */
    private String listenerDestination(String host, int port, String subset, Resource<?> from, String path) {
        if (from != null && originalDestinationOnly(host)) {
            note(from, path + ".host", host + " has resolution NONE and no endpoints: the proxy passes its HTTP requests and CONNECT tunnels"
                    + " to the host they name, but a connection to TCP port " + port + " names none; its connections get UH");
        }
        return cluster(host, port, subset, from, path);
    }

    /** Whether {@code host} is a wildcard service with {@code resolution: NONE} and no endpoints: reached at each request's original destination. */
    private boolean originalDestinationOnly(String host) {
        if (!host.startsWith("*")) return false;
        Optional<ServiceRegistry.Service> svc = service(host);
        return svc.isPresent() && svc.get().resolution() == dev.ficus.api.networking.ServiceEntry.Resolution.NONE && svc.get().instances().isEmpty();
    }

    /**
     * The cluster for a destination, created on first use with its endpoints and traffic policy.
     * A destination the registry does not know yields an empty cluster (requests get 503 UH) and
     * a note at {@code path}.
     */
    private String cluster(String host, int port, String subset, Resource<?> from, String path) {
        String name = "outbound|" + port + "|" + (subset == null ? "" : subset) + "|" + host;
        if (recording != null) { // made whether or not this translation holds it yet: a reuse elsewhere may not
            List<TranslationCache.Event> outer = recording.events;
            List<TranslationCache.Event> own = recording.events = new ArrayList<>();
            ClusterConfig c;
            try {
                c = newCluster(name, host, port, subset, from, path);
            } finally {
                recording.events = outer;
            }
            outer.add(new TranslationCache.ClusterCall(name, c, own.stream().map(TranslationCache.NoteCall.class::cast).toList()));
            return name;
        }
        if (clusters.containsKey(name)) return name;
        clusters.put(name, newCluster(name, host, port, subset, from, path));
        return name;
    }

    private ClusterConfig newCluster(String name, String host, int port, String subset, Resource<?> from, String path) {
        Optional<ServiceRegistry.Service> svc = service(host);
        List<Resource<DestinationRule>> drs = destinationRulesFor(host);
        if (recording != null) recording.facts.add(new TranslationCache.RuleIs(host, drs));
        // merged as Istio merges the rules of one namespace for one host: the first top-level policy, the first subset of a name
        Resource<DestinationRule> policyRule = null, subsetRule = null;
        for (Resource<DestinationRule> d : drs) {
            if (d.spec().trafficPolicy() != null) {
                policyRule = d;
                break;
            }
        }
        TrafficPolicy base = policyRule == null ? null : policyRule.spec().trafficPolicy();
        Subset sub = null;
        if (subset != null) {
            for (Resource<DestinationRule> d : drs) {
                sub = d.spec().subset(subset).orElse(null);
                if (sub != null) {
                    subsetRule = d;
                    break;
                }
            }
            if (sub == null && from != null) note(from, path + ".subset", "subset '" + subset + "' of " + host + " is defined by no DestinationRule; requests get 503 UH");
        }
        List<Endpoint> endpoints = new ArrayList<>();
        if (svc.isEmpty()) {
            if (from != null) note(from, path + ".host", host + " is not a service of the registry (no ServiceEntry declares it); requests get 503 UH");
        } else {
            ServiceRegistry.Port p = svc.get().port(port).orElse(new ServiceRegistry.Port(port, null, "TCP", null));
            if (svc.get().port(port).isEmpty() && !svc.get().ports().isEmpty() && from != null) {
                note(from, path, host + " has no port " + port + "; endpoints are reached on port " + port);
            }
            for (ServiceRegistry.Instance inst : svc.get().instances()) {
                if (subset != null && (sub == null || !inst.labels().entrySet().containsAll(sub.labels().entrySet()))) continue;
                if (inst.address().isEmpty() || inst.address().startsWith("unix://")) continue;
                endpoints.add(new Endpoint(new HostPort(inst.address(), inst.portFor(p)), inst.weight(), inst.labels(), HealthStatus.HEALTHY, inst.workload()));
            }
        }
        // Istio's default load balancer (no DestinationRule, or one that names none) is LEAST_REQUEST
        ClusterConfig c = ClusterConfig.of(name).withEndpoints(endpoints).withLbPolicy(LbPolicy.LEAST_REQUEST);
        c = applyPolicy(c, policyRule, "spec.trafficPolicy", base, port);
        if (sub != null && sub.trafficPolicy() != null) {
            int idx = subsetRule.spec().subsets().indexOf(sub);
            c = applyPolicy(c, subsetRule, "spec.subsets[" + idx + "].trafficPolicy", sub.trafficPolicy(), port);
        }
        String portProtocol = svc.flatMap(x -> x.port(port)).map(ServiceRegistry.Port::protocol).orElse("");
        if (c.upstreamProtocol() != UpstreamProtocol.CLIENT // protocols: useClientProtocol wins over the port and h2UpgradePolicy
                && UpstreamProtocols.http2(portProtocol, base, sub == null ? null : sub.trafficPolicy())) c = c.withUpstreamProtocol(UpstreamProtocol.HTTP2);
        return c;
    }

    private ClusterConfig applyPolicy(ClusterConfig c, Resource<DestinationRule> dr, String path, TrafficPolicy tp, int port) {
        if (tp == null) return c;
        c = ClusterPolicies.apply(c, path, tp.loadBalancer(), tp.connectionPool(), tp.outlierDetection(), (p, m) -> note(dr, p, m));
        if (tp.tls() != null) c = c.withTls(ClusterPolicies.tls(tp.tls(), path + ".tls", (p, m) -> note(dr, p, m)));
        for (int i = 0; i < tp.portLevelSettings().size(); i++) {
            var pl = tp.portLevelSettings().get(i);
            if (pl.port() == null || pl.port().number() == null || pl.port().number() != port) continue;
            String pp = path + ".portLevelSettings[" + i + "]";
            c = ClusterPolicies.apply(c, pp, pl.loadBalancer(), pl.connectionPool(), pl.outlierDetection(), (p, m) -> note(dr, p, m));
            if (pl.tls() != null) c = c.withTls(ClusterPolicies.tls(pl.tls(), pp + ".tls", (p, m) -> note(dr, p, m)));
        }
        return c;
    }

    /**
     * The DestinationRules for a host, looked up as Istio does: first among the rules the proxy's
     * own namespace keeps for itself, then among those the service's namespace (that of the
     * ServiceEntry the proxy sees) exports to the proxy's, then among those the root namespace
     * ({@value #ROOT_NAMESPACE}) exports to it; a rule of any other namespace never applies. In
     * each namespace the most specific host wins (the exact host, else the longest wildcard
     * covering it), and the rules for that host are merged as Istio merges them, in read order:
     * those whose workloadSelector selects the proxy (own namespace only) if any, else those for
     * every workload. Empty: none.
     */
    private List<Resource<DestinationRule>> destinationRulesFor(String host) {
        String proxyNs = who.namespace();
        List<Resource<DestinationRule>> rules = rulesOfNamespace(host, proxyNs, true);
        if (!rules.isEmpty()) return rules;
        String serviceNs = registry.find(host).map(ServiceRegistry.Service::namespace).orElse("");
        if (!serviceNs.isEmpty() && !serviceNs.equals(proxyNs)) rules = rulesOfNamespace(host, serviceNs, false);
        if (rules.isEmpty() && !proxyNs.equals(ROOT_NAMESPACE) && !serviceNs.equals(ROOT_NAMESPACE)) rules = rulesOfNamespace(host, ROOT_NAMESPACE, false);
        return rules;
    }

    /**
     * The rules namespace {@code ns} gives {@code host}: with {@code local}, among those it keeps
     * for its own proxies; else among those it exports beyond itself (none with a workloadSelector),
     * where the most specific host is chosen first and its rules apply only where exported to the
     * proxy's namespace, as in Istio (a less specific one exported there does not stand in).
     */
    private List<Resource<DestinationRule>> rulesOfNamespace(String host, String ns, boolean local) {
        String best = null; // the most specific host of the namespace's rules covering host
        boolean selecting = false; // whether a rule for best selects the proxy by labels
        List<List<HostRule<Resource<DestinationRule>>>> lists = List.of(drByHost.getOrDefault(host, List.of()), drWildcards);
        for (List<HostRule<Resource<DestinationRule>>> candidates : lists) {
            for (HostRule<Resource<DestinationRule>> c : candidates) {
                if (!considered(c, host, ns, local)) continue;
                if (best == null || c.host().length() > best.length()) {
                    best = c.host();
                    selecting = false;
                }
                if (c.host().equals(best) && c.rule().spec().workloadSelector() != null) selecting = true;
            }
            if (best != null) break; // an exact host over any wildcard
        }
        if (best == null) return List.of();
        List<Resource<DestinationRule>> out = new ArrayList<>(1);
        for (List<HostRule<Resource<DestinationRule>>> candidates : lists) {
            for (HostRule<Resource<DestinationRule>> c : candidates) { // in read order
                if (!c.host().equals(best) || !considered(c, host, ns, local)) continue;
                Resource<DestinationRule> dr = c.rule();
                if (local ? (dr.spec().workloadSelector() != null) == selecting : ExportTo.visible(dr.spec().exportTo(), ns, who.namespace())) out.add(dr);
            }
        }
        return out;
    }

    /** Whether rule {@code c} of the config takes part in namespace {@code ns}'s lookup for {@code host} (see {@link #rulesOfNamespace}). */
    private boolean considered(HostRule<Resource<DestinationRule>> c, String host, String ns, boolean local) {
        Resource<DestinationRule> dr = c.rule();
        if (!dr.namespace().equals(ns) || !Hosts.covers(c.host(), host)) return false;
        return local ? ExportTo.visible(dr.spec().exportTo(), ns, ns) && (dr.spec().workloadSelector() == null || selectsProxy(dr))
                : dr.spec().workloadSelector() == null && !ExportTo.ownOnly(dr.spec().exportTo(), ns);
    }

    private boolean selectsProxy(Resource<DestinationRule> dr) {
        return who.labels().entrySet().containsAll(dr.spec().workloadSelector().matchLabels().entrySet());
    }

    // ---- helpers ----

    /** Istio protocols the proxy splices as bytes (TLS without termination is routed by SNI). */
    private static boolean isOpaque(String protocol) {
        return switch (protocol) {
            case "TCP", "TLS", "MONGO", "MYSQL", "REDIS" -> true;
            default -> false;
        };
    }

    /**
     * The protocol a port's name reads as, Istio's {@code <protocol>[-<suffix>]} convention for
     * Service ports (upper case), or null when the name names none. A Sidecar ingress port does not
     * take its protocol from it: only {@link #noteIngressPortName} looks.
     */
    private static String protocolOfName(String name) {
        if (name == null) return null;
        int dash = name.indexOf('-');
        String p = (dash < 0 ? name : name.substring(0, dash)).toUpperCase(Locale.ROOT);
        if (p.equals("GRPC") && name.toLowerCase(Locale.ROOT).startsWith("grpc-web")) p = "GRPC-WEB";
        return isHttp(p) || isOpaque(p) ? p : null;
    }

    private static boolean isHttp(String protocol) {
        return switch (protocol) {
            case "HTTP", "HTTP2", "GRPC", "GRPC-WEB" -> true;
            default -> false;
        };
    }

    private void note(Resource<?> r, String path, String message) {
        if (recording != null) { // written when the piece is replayed, here or in a later translation
            if (r != null) recording.events.add(new TranslationCache.NoteCall(r, path, message));
            return;
        }
        if (r == null || !noted.add(r.kind() + "/" + r.namespace() + "/" + r.name() + "#" + path + "#" + message)) return;
        long mark = r.origin().positions().find(path);
        int line = Positions.line(mark) == 0 ? r.origin().line() : Positions.line(mark);
        int column = Positions.line(mark) == 0 ? r.origin().column() : Positions.column(mark);
        notes.add(new Diagnostic(r.origin().file(), line, column, Severity.WARNING, r.subject(), path, message));
    }

    /** A short content hash: equal configurations for the same proxy give equal versions. */
    private String version() {
        MessageDigest sha = index.digestCopy(); // every resource of the config, hashed once per config
        sha.update((who.key() + "|" + options.key()).getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(sha.digest(), 0, 6);
    }
}
