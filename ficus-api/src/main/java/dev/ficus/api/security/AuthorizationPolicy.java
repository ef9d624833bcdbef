package dev.ficus.api.security;

import java.util.Map;

/** Placeholder until the full spec lands. */
public record AuthorizationPolicy(Map<String, Object> selector) {
}
