package dev.ficus.api.security;

import dev.ficus.api.bind.Required;

/**
 * Istio's {@code JWTHeader}: a request header that may carry the token.
 *
 * @param prefix stripped before the token is decoded, e.g. {@code "Bearer "}
 */
public record JWTHeader(@Required String name, String prefix) {

    /** The prefix, empty when unset. */
    public String prefixOrEmpty() {
        return prefix == null ? "" : prefix;
    }
}
