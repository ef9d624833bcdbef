package dev.ficus.api.networking;

import java.util.List;
import java.util.Map;

/** Conditions on a TCP connection: destination IP/subnet, port, source labels and namespace, gateways. */
public record L4MatchAttributes(
        List<String> destinationSubnets,
        Integer port,
        Map<String, String> sourceLabels,
        List<String> gateways,
        String sourceNamespace) {
}
