package dev.ficus.api.networking;

import dev.ficus.api.bind.Required;

/**
 * Where a routing rule sends a request or connection: a service of the registry, optionally one
 * subset (defined by a DestinationRule) and one port.
 *
 * @param host   service name; short names resolve against the namespace of the rule, not the service
 * @param subset subset name defined by a DestinationRule for {@code host}
 * @param port   port of the service; may be omitted when the service exposes only one
 */
public record Destination(@Required String host, String subset, PortSelector port) {
}
