package dev.ficus.xds.snapshot;

import java.util.Objects;

/**
 * One socket the proxy listens on and the route table its HTTP requests are matched against.
 *
 * @param routeTable name of a {@link RouteTable} in the same snapshot (HTTP listeners)
 * @param tcpRoutes  where opaque TCP and TLS-passthrough connections go (TCP and AUTO listeners)
 * @param authz      the AuthorizationPolicies enforced on this listener's requests and connections;
 *                   {@link AuthzPolicies#NONE} (also for null) allows everything
 * @param mtls       what an inbound listener accepts (PeerAuthentication); DISABLE (also for null) elsewhere
 * @param workload   the WorkloadEntry an inbound listener serves ({@code namespace/name}): in node mode
 *                   it picks the certificate the listener presents; null for the proxy's own identity
 * @param jwt        the RequestAuthentication JWT rules verified on this listener's requests;
 *                   {@link JwtPolicies#NONE} (also for null) looks for no token
 * @param telemetry  what the listener reports (metrics labels, tracing, access log);
 *                   {@link TelemetryPolicy#DEFAULT} (also for null) when the translator says nothing
 * @param outbound   for an outbound HTTP listener, what a request for a host no route names gets
 *                   (Istio's outboundTrafficPolicy); null: 404 with flag NR, as on any other listener
 * @param tls        the TLS servers an HTTP listener terminates (Gateway HTTPS servers, Sidecar ingress
 *                   {@code tls}), chosen by SNI, the first without a match; empty (also for null): plaintext
 */
public record ListenerConfig(String name, HostPort bind, ListenerKind kind, ListenerProtocol protocol, String routeTable, TcpRouteTable tcpRoutes,
                             AuthzPolicies authz, MtlsMode mtls, String workload, JwtPolicies jwt, TelemetryPolicy telemetry, OutboundPolicy outbound,
                             java.util.List<ServerTls> tls) {
    public ListenerConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(bind, "bind");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(routeTable, "routeTable");
        tcpRoutes = tcpRoutes == null ? TcpRouteTable.EMPTY : tcpRoutes;
        authz = authz == null ? AuthzPolicies.NONE : authz;
        mtls = mtls == null ? MtlsMode.DISABLE : mtls;
        jwt = jwt == null ? JwtPolicies.NONE : jwt;
        telemetry = telemetry == null ? TelemetryPolicy.DEFAULT : telemetry;
        tls = tls == null ? java.util.List.of() : java.util.List.copyOf(tls);
    }

    /** A listener that terminates no TLS of its own. */
    public ListenerConfig(String name, HostPort bind, ListenerKind kind, ListenerProtocol protocol, String routeTable, TcpRouteTable tcpRoutes,
                          AuthzPolicies authz, MtlsMode mtls, String workload, JwtPolicies jwt, TelemetryPolicy telemetry, OutboundPolicy outbound) {
        this(name, bind, kind, protocol, routeTable, tcpRoutes, authz, mtls, workload, jwt, telemetry, outbound, null);
    }

    /** A listener without an outbound traffic policy. */
    public ListenerConfig(String name, HostPort bind, ListenerKind kind, ListenerProtocol protocol, String routeTable, TcpRouteTable tcpRoutes,
                          AuthzPolicies authz, MtlsMode mtls, String workload, JwtPolicies jwt, TelemetryPolicy telemetry) {
        this(name, bind, kind, protocol, routeTable, tcpRoutes, authz, mtls, workload, jwt, telemetry, null);
    }

    /** A listener with the default telemetry. */
    public ListenerConfig(String name, HostPort bind, ListenerKind kind, ListenerProtocol protocol, String routeTable, TcpRouteTable tcpRoutes,
                          AuthzPolicies authz, MtlsMode mtls, String workload, JwtPolicies jwt) {
        this(name, bind, kind, protocol, routeTable, tcpRoutes, authz, mtls, workload, jwt, TelemetryPolicy.DEFAULT);
    }

    /** A listener without JWT rules. */
    public ListenerConfig(String name, HostPort bind, ListenerKind kind, ListenerProtocol protocol, String routeTable, TcpRouteTable tcpRoutes,
                          AuthzPolicies authz, MtlsMode mtls, String workload) {
        this(name, bind, kind, protocol, routeTable, tcpRoutes, authz, mtls, workload, JwtPolicies.NONE);
    }

    public ListenerConfig(String name, HostPort bind, ListenerKind kind, ListenerProtocol protocol, String routeTable, TcpRouteTable tcpRoutes,
                          AuthzPolicies authz, MtlsMode mtls) {
        this(name, bind, kind, protocol, routeTable, tcpRoutes, authz, mtls, null);
    }

    /** A listener without authorization policies that does not terminate mesh mTLS. */
    public ListenerConfig(String name, HostPort bind, ListenerKind kind, ListenerProtocol protocol, String routeTable, TcpRouteTable tcpRoutes) {
        this(name, bind, kind, protocol, routeTable, tcpRoutes, AuthzPolicies.NONE, MtlsMode.DISABLE);
    }

    /** A listener with authorization policies that does not terminate mesh mTLS. */
    public ListenerConfig(String name, HostPort bind, ListenerKind kind, ListenerProtocol protocol, String routeTable, TcpRouteTable tcpRoutes, AuthzPolicies authz) {
        this(name, bind, kind, protocol, routeTable, tcpRoutes, authz, MtlsMode.DISABLE);
    }

    /** An inbound listener in {@code mtls} mode, without authorization policies. */
    public ListenerConfig(String name, HostPort bind, ListenerKind kind, ListenerProtocol protocol, String routeTable, TcpRouteTable tcpRoutes, MtlsMode mtls) {
        this(name, bind, kind, protocol, routeTable, tcpRoutes, AuthzPolicies.NONE, mtls);
    }

    /** A listener without TCP routes. */
    public ListenerConfig(String name, HostPort bind, ListenerKind kind, ListenerProtocol protocol, String routeTable) {
        this(name, bind, kind, protocol, routeTable, TcpRouteTable.EMPTY, AuthzPolicies.NONE, MtlsMode.DISABLE);
    }

    /** This listener with {@code policies} enforced. */
    public ListenerConfig withAuthz(AuthzPolicies policies) {
        return new ListenerConfig(name, bind, kind, protocol, routeTable, tcpRoutes, policies, mtls, workload, jwt, telemetry, outbound, tls);
    }

    /** This listener accepting what {@code m} says (inbound listeners). */
    public ListenerConfig withMtls(MtlsMode m) {
        return new ListenerConfig(name, bind, kind, protocol, routeTable, tcpRoutes, authz, m, workload, jwt, telemetry, outbound, tls);
    }

    /** This listener serving {@code w} ({@code namespace/name}). */
    public ListenerConfig withWorkload(String w) {
        return new ListenerConfig(name, bind, kind, protocol, routeTable, tcpRoutes, authz, mtls, w, jwt, telemetry, outbound, tls);
    }

    /** This listener verifying the JWTs {@code policies} describe (inbound and gateway listeners). */
    public ListenerConfig withJwt(JwtPolicies policies) {
        return new ListenerConfig(name, bind, kind, protocol, routeTable, tcpRoutes, authz, mtls, workload, policies, telemetry, outbound, tls);
    }

    /** This outbound listener treating hosts its routes do not name as {@code p} says. */
    public ListenerConfig withOutbound(OutboundPolicy p) {
        return new ListenerConfig(name, bind, kind, protocol, routeTable, tcpRoutes, authz, mtls, workload, jwt, telemetry, p, tls);
    }

    /** This listener reporting as {@code t} says. */
    public ListenerConfig withTelemetry(TelemetryPolicy t) {
        return new ListenerConfig(name, bind, kind, protocol, routeTable, tcpRoutes, authz, mtls, workload, jwt, t, outbound, tls);
    }

    /** This listener terminating TLS as {@code servers} say (chosen by SNI). */
    public ListenerConfig withTls(java.util.List<ServerTls> servers) {
        return new ListenerConfig(name, bind, kind, protocol, routeTable, tcpRoutes, authz, mtls, workload, jwt, telemetry, outbound, servers);
    }
}
