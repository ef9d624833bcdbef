package dev.ficus.api.security;

import dev.ficus.api.bind.Required;

/**
 * Istio's {@code ClaimToHeader}: after a token is verified, copy one claim (nested claims as
 * {@code a.b}) into a request header.
 */
public record ClaimToHeader(@Required String header, @Required String claim) {
}
