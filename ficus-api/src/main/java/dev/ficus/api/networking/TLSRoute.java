package dev.ficus.api.networking;

import dev.ficus.api.bind.Required;

import java.util.List;

/** A rule for TLS traffic that is not terminated, routed by the SNI of the ClientHello. */
public record TLSRoute(@Required List<TLSMatchAttributes> match, List<RouteDestination> route) {
}
