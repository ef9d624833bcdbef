package dev.ficus.api.networking;

import dev.ficus.api.bind.Required;
import dev.ficus.api.bind.Unsupported;

import java.util.List;

/**
 * One listener of a Gateway.
 *
 * @param bind  IP or {@code unix://} path to listen on; all interfaces when unset
 * @param hosts hosts served, as {@code [namespace/]dnsName}; the namespace limits which
 *              VirtualServices may bind ({@code *} any, {@code .} the gateway's)
 */
public record Server(
        @Required Port port,
        String bind,
        @Required List<String> hosts,
        ServerTLSSettings tls,
        @Unsupported("gateways forward to routes, not to a default endpoint, in ficus") String defaultEndpoint,
        String name) {
}
