package dev.ficus.api.security;

import java.util.Map;

/** Placeholder until the full spec lands. */
public record PeerAuthentication(Map<String, Object> selector) {
}
