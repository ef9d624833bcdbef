package dev.ficus.api.networking;

import dev.ficus.api.bind.Required;
import dev.ficus.api.bind.Unsupported;

import java.util.List;

/**
 * Policies for traffic to one destination, across all ports unless {@code portLevelSettings}
 * overrides them for a port (port-level settings replace, not merge).
 */
public record TrafficPolicy(
        LoadBalancerSettings loadBalancer,
        ConnectionPoolSettings connectionPool,
        OutlierDetection outlierDetection,
        ClientTLSSettings tls,
        List<PortTrafficPolicy> portLevelSettings,
        @Unsupported("tunneling TCP over HTTP CONNECT/POST is not implemented by ficus") TunnelSettings tunnel,
        @Unsupported("sending the PROXY protocol upstream is not implemented by ficus") ProxyProtocol proxyProtocol) {

    /** Policies for one port of the destination. */
    public record PortTrafficPolicy(
            PortSelector port,
            LoadBalancerSettings loadBalancer,
            ConnectionPoolSettings connectionPool,
            OutlierDetection outlierDetection,
            ClientTLSSettings tls) {
    }

    /** Tunnels the downstream connection to {@code targetHost:targetPort}; protocol CONNECT (default) or POST. */
    public record TunnelSettings(String protocol, @Required String targetHost, @Required Integer targetPort) {
    }

    /** PROXY protocol header sent upstream. */
    public record ProxyProtocol(Version version) {
        public enum Version {
            V1,
            V2
        }
    }
}
