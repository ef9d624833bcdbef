package dev.ficus.api.security;

import java.util.Map;

/** Placeholder until the full spec lands. */
public record RequestAuthentication(Map<String, Object> selector) {
}
