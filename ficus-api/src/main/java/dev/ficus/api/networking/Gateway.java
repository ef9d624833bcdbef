package dev.ficus.api.networking;

import java.util.List;
import java.util.Map;

/**
 * Gateway spec: the listeners of a gateway proxy at the edge of the mesh — ports, protocols,
 * hosts and TLS. VirtualServices bound to the gateway route what arrives.
 *
 * @param selector labels of the gateway proxies this applies to
 */
public record Gateway(List<Server> servers, Map<String, String> selector) {
}
