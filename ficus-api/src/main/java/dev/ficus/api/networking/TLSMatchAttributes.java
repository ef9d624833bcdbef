package dev.ficus.api.networking;

import dev.ficus.api.bind.Required;

import java.util.List;
import java.util.Map;

/** Conditions on a TLS connection: SNI (required; wildcards allowed), plus the L4 conditions. */
public record TLSMatchAttributes(
        @Required List<String> sniHosts,
        List<String> destinationSubnets,
        Integer port,
        Map<String, String> sourceLabels,
        List<String> gateways,
        String sourceNamespace) {
}
