package dev.ficus.proxy.route;

import dev.ficus.proxy.authz.AuthzEngine;
import dev.ficus.proxy.cluster.ClusterRuntime;
import dev.ficus.proxy.jwt.JwksCache;
import dev.ficus.proxy.jwt.JwtAuthenticator;
import dev.ficus.proxy.parallelrun.ParallelRunState;
import dev.ficus.proxy.telemetry.IstioMetrics;
import dev.ficus.proxy.telemetry.ListenerTelemetry;
import dev.ficus.proxy.telemetry.TelemetryServices;
import dev.ficus.xds.snapshot.ListenerConfig;
import dev.ficus.xds.snapshot.TelemetryPolicy;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.snapshot.RouteTable;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/**
 * A {@link ProxySnapshot} joined with the run-time clusters built for it. The unit that is
 * swapped atomically: a request reads it once and keeps it to the end.
 */
public final class RuntimeSnapshot {
    private final ProxySnapshot snapshot;
    private final Map<String, ClusterRuntime> clusters;
    private final Map<String, RouteTable> tablesByListener;
    private final Map<String, AuthzEngine> authzByListener; // only listeners with policies
    private final Map<String, JwtAuthenticator> jwtByListener; // only listeners with JWT rules
    private final Map<String, ListenerTelemetry> telemetryByListener;
    private final Map<String, TelemetryPolicy.ServiceRef> serviceByCluster; // destination_service of each cluster
    private final Map<String, ParallelRunState> parallelRuns; // by Rollout id

    /** @param jwks the proxy's fetched key sets, shared by its snapshots ({@code jwksUri} rules) */
    public RuntimeSnapshot(ProxySnapshot snapshot, Map<String, ClusterRuntime> clusters, JwksCache jwks) {
        this(snapshot, clusters, jwks, TelemetryServices.metricsOnly(new IstioMetrics()));
    }

    /**
     * @param jwks      the proxy's fetched key sets, shared by its snapshots ({@code jwksUri} rules)
     * @param telemetry the proxy's metrics registry and observer makers, shared by its snapshots
     */
    public RuntimeSnapshot(ProxySnapshot snapshot, Map<String, ClusterRuntime> clusters, JwksCache jwks, TelemetryServices telemetry) {
        this(snapshot, clusters, jwks, telemetry, Map.of());
    }

    /**
     * @param jwks         the proxy's fetched key sets, shared by its snapshots ({@code jwksUri} rules)
     * @param telemetry    the proxy's metrics registry and observer makers, shared by its snapshots
     * @param parallelRuns the results of each parallel run of {@code snapshot}, by Rollout id
     *                     (kept by the proxy across snapshots: {@code ParallelRuns.install})
     */
    public RuntimeSnapshot(ProxySnapshot snapshot, Map<String, ClusterRuntime> clusters, JwksCache jwks, TelemetryServices telemetry,
                           Map<String, ParallelRunState> parallelRuns) {
        this.snapshot = snapshot;
        this.parallelRuns = Map.copyOf(parallelRuns);
        this.clusters = clusters;
        Map<String, RouteTable> t = new HashMap<>();
        Map<String, AuthzEngine> a = new HashMap<>();
        Map<String, JwtAuthenticator> j = new HashMap<>();
        Map<String, ListenerTelemetry> tel = new HashMap<>();
        for (ListenerConfig l : snapshot.listeners()) {
            RouteTable table = snapshot.routeTables().get(l.routeTable());
            if (table != null) t.put(l.name(), table);
            AuthzEngine engine = AuthzEngine.compile(l.authz());
            if (engine != null) a.put(l.name(), engine);
            JwtAuthenticator authn = JwtAuthenticator.compile(l.jwt(), jwks, Clock.systemUTC());
            if (authn != null) j.put(l.name(), authn);
            tel.put(l.name(), ListenerTelemetry.compile(l, telemetry.metrics(), telemetry.observers()));
            for (int i = 0; i < l.tls().size(); i++) { // each TLS server routes by its own table, under the listener's policies
                String key = dev.ficus.proxy.tls.ServerTlsContexts.routerKey(l.name(), i);
                t.put(key, snapshot.routeTables().get(l.tls().get(i).routeTable()));
                if (engine != null) a.put(key, engine);
                if (authn != null) j.put(key, authn);
                tel.put(key, tel.get(l.name()));
            }
        }
        Map<String, TelemetryPolicy.ServiceRef> svc = new HashMap<>();
        for (String c : snapshot.clusters().keySet()) {
            TelemetryPolicy.ServiceRef ref = ListenerTelemetry.serviceOfCluster(c);
            if (ref != null) svc.put(c, ref);
        }
        this.telemetryByListener = Map.copyOf(tel);
        this.serviceByCluster = Map.copyOf(svc);
        this.tablesByListener = Map.copyOf(t);
        this.authzByListener = Map.copyOf(a);
        this.jwtByListener = Map.copyOf(j);
    }

    public ProxySnapshot snapshot() { return snapshot; }

    public String version() { return snapshot.version(); }

    /** The route table of a listener, or null when the listener is gone from this snapshot. */
    public RouteTable routeTable(String listener) { return tablesByListener.get(listener); }

    /** The compiled AuthorizationPolicies of a listener, or null when none apply (allow all). */
    public AuthzEngine authz(String listener) { return authzByListener.get(listener); }

    /** The compiled RequestAuthentication rules of a listener, or null when none apply (no token is looked for). */
    public JwtAuthenticator jwt(String listener) { return jwtByListener.get(listener); }

    /** The cluster named by a route; never null, the snapshot checked the reference. */
    public ClusterRuntime cluster(String name) { return clusters.get(name); }

    /** The telemetry stage of a listener of this snapshot; null for an unknown listener. */
    public ListenerTelemetry telemetry(String listener) { return telemetryByListener.get(listener); }

    /** The results of the parallel run of a Rollout ({@code namespace/name}), or null when the snapshot has none by that id. */
    public ParallelRunState parallelRun(String id) { return parallelRuns.get(id); }

    /** destination_service of a cluster (its Istio host), or null when the name carries none. */
    public TelemetryPolicy.ServiceRef service(String cluster) { return serviceByCluster.get(cluster); }
}
