package dev.ficus.api.security;

import dev.ficus.api.bind.Deprecated;
import dev.ficus.api.bind.OneOf;
import dev.ficus.api.bind.Required;
import dev.ficus.api.bind.YamlName;

import java.time.Duration;
import java.util.List;

/**
 * Istio's {@code JWTRule}: one accepted token issuer and how to find and check its tokens.
 *
 * @param issuer                the token's {@code iss} claim must equal this
 * @param audiences             accepted {@code aud} values; empty: the audience is not checked (as Istio's proxies do)
 * @param jwksUri               where to fetch the issuer's public keys (http or https)
 * @param jwksUriOld            {@code jwks_uri}, the old spelling Istio still accepts
 * @param jwks                  the public keys inline, as a JSON Web Key Set
 * @param fromHeaders           where the token may be; default {@code Authorization: Bearer ...}
 * @param fromParams            query parameters that may carry the token; default {@code access_token}
 * @param fromCookies           cookies that may carry the token
 * @param outputPayloadToHeader header that receives the verified payload (base64url)
 * @param outputClaimToHeaders  claims copied to request headers after verification
 * @param forwardOriginalToken  keep the token in the request sent upstream (removed by default)
 * @param timeout               how long fetching {@code jwksUri} may take
 */
@OneOf({"jwks", "jwksUri", "jwks_uri"})
public record JWTRule(
        @Required String issuer,
        List<String> audiences,
        String jwksUri,
        @YamlName("jwks_uri") @Deprecated(use = "jwksUri") String jwksUriOld,
        String jwks,
        List<JWTHeader> fromHeaders,
        List<String> fromParams,
        List<String> fromCookies,
        String outputPayloadToHeader,
        List<ClaimToHeader> outputClaimToHeaders,
        Boolean forwardOriginalToken,
        Duration timeout) {

    /** The JWKS URL under either spelling, or null. */
    public String jwksUrl() {
        return jwksUri != null ? jwksUri : jwksUriOld;
    }

    /** Whether the token is kept in the request sent upstream. */
    public boolean forwardsOriginalToken() {
        return Boolean.TRUE.equals(forwardOriginalToken);
    }

    /**
     * Where to look for the token: the configured headers, or Istio's default
     * {@code Authorization: Bearer <token>} when neither headers nor params are given.
     */
    public List<JWTHeader> headersOrDefault() {
        if (!fromHeaders.isEmpty() || !fromParams.isEmpty() || !fromCookies.isEmpty()) return fromHeaders;
        return List.of(new JWTHeader("Authorization", "Bearer "));
    }

    /** The query parameters to look in: the configured ones, or {@code access_token} when nothing is configured. */
    public List<String> paramsOrDefault() {
        if (!fromHeaders.isEmpty() || !fromParams.isEmpty() || !fromCookies.isEmpty()) return fromParams;
        return List.of("access_token");
    }
}
