package dev.ficus.api.networking;

import java.util.List;

/** A rule for opaque TCP traffic: matching connections go to the weighted destinations. */
public record TCPRoute(List<L4MatchAttributes> match, List<RouteDestination> route) {
}
