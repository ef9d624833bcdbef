package dev.ficus.api.validate;

import dev.ficus.api.Resource;
import dev.ficus.api.config.ConfigSet;
import dev.ficus.api.security.ClaimToHeader;
import dev.ficus.api.security.JWTHeader;
import dev.ficus.api.security.JWTRule;
import dev.ficus.api.security.Json;
import dev.ficus.api.security.RequestAuthentication;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Istio's validation rules for RequestAuthentication, stricter: an inline JWKS must be a JSON Web
 * Key Set, a JWKS URL must be http(s), and every header name must be one a request can carry.
 */
final class RequestAuthenticationChecks implements Check<RequestAuthentication> {
    @Override public boolean readsOthers() { return false; }


    @Override
    public void check(Resource<RequestAuthentication> r, ConfigSet all, Report report) {
        RequestAuthentication spec = r.spec();
        AuthorizationPolicyChecks.checkSelector(spec.selector(), "spec.selector", report);
        Map<String, Integer> issuers = new HashMap<>();
        for (int i = 0; i < spec.jwtRules().size(); i++) {
            String path = "spec.jwtRules[" + i + "]";
            JWTRule rule = spec.jwtRules().get(i);
            checkRule(rule, path, report);
            if (rule.issuer() != null && !rule.issuer().isBlank()) {
                Integer first = issuers.putIfAbsent(rule.issuer(), i);
                if (first != null) {
                    report.error(path + ".issuer", "issuer '" + rule.issuer() + "' is already configured by spec.jwtRules[" + first
                            + "]; a token could match either rule; merge them into one rule");
                }
            }
        }
    }

    private static void checkRule(JWTRule rule, String path, Report report) {
        if (rule.issuer() != null && rule.issuer().isBlank()) {
            report.error(path + ".issuer", "issuer must not be empty; write the 'iss' claim of the accepted tokens, e.g. https://accounts.example.com");
        }
        for (int i = 0; i < rule.audiences().size(); i++) {
            if (rule.audiences().get(i).isBlank()) {
                report.error(path + ".audiences[" + i + "]", "empty audience; write an 'aud' value the tokens carry, or remove the entry");
            }
        }
        if (rule.jwksUri() != null) checkJwksUri(rule.jwksUri(), path + ".jwksUri", report);
        if (rule.jwksUriOld() != null) checkJwksUri(rule.jwksUriOld(), path + ".jwks_uri", report);
        if (rule.jwks() != null) checkJwks(rule.jwks(), path + ".jwks", report);
        for (int i = 0; i < rule.fromHeaders().size(); i++) {
            JWTHeader h = rule.fromHeaders().get(i);
            String p = path + ".fromHeaders[" + i + "]";
            if (h.name() != null && !AuthorizationPolicyChecks.isHeaderName(h.name())) {
                report.error(p + ".name", (h.name().isEmpty() ? "empty header name" : "'" + h.name() + "' is not a valid header name")
                        + "; write the header that carries the token, e.g. Authorization or x-jwt-assertion");
            }
        }
        for (int i = 0; i < rule.fromParams().size(); i++) {
            String v = rule.fromParams().get(i);
            if (v.isEmpty() || v.contains("&") || v.contains("=") || v.contains(" ")) {
                report.error(path + ".fromParams[" + i + "]", (v.isEmpty() ? "empty query parameter name" : "'" + v + "' is not a query parameter name")
                        + "; write a name such as access_token");
            }
        }
        for (int i = 0; i < rule.fromCookies().size(); i++) {
            String v = rule.fromCookies().get(i);
            if (!AuthorizationPolicyChecks.isHeaderName(v)) {
                report.error(path + ".fromCookies[" + i + "]", "'" + v + "' is not a cookie name; write a name such as session-token");
            }
        }
        if (rule.outputPayloadToHeader() != null && !AuthorizationPolicyChecks.isHeaderName(rule.outputPayloadToHeader())) {
            report.error(path + ".outputPayloadToHeader", "'" + rule.outputPayloadToHeader()
                    + "' is not a valid header name; write one such as x-jwt-payload");
        }
        for (int i = 0; i < rule.outputClaimToHeaders().size(); i++) {
            ClaimToHeader c = rule.outputClaimToHeaders().get(i);
            String p = path + ".outputClaimToHeaders[" + i + "]";
            if (c.header() != null && !AuthorizationPolicyChecks.isHeaderName(c.header())) {
                report.error(p + ".header", "'" + c.header() + "' is not a valid header name; write one such as x-jwt-claim-sub");
            }
            if (c.claim() != null && c.claim().isBlank()) {
                report.error(p + ".claim", "empty claim; write the claim to copy, e.g. sub, or nested.claim");
            }
        }
        Duration t = rule.timeout();
        if (t != null && (t.isZero() || t.isNegative())) {
            report.error(path + ".timeout", "timeout must be more than 0, e.g. 5s; remove it for the default");
        }
    }

    private static void checkJwksUri(String uri, String path, Report report) {
        String accepted = "; write the http(s) URL of the issuer's key set, e.g. https://accounts.example.com/.well-known/jwks.json";
        URI u;
        try {
            u = new URI(uri);
        } catch (URISyntaxException e) {
            report.error(path, "'" + uri + "' is not a URL (" + e.getReason() + ")" + accepted);
            return;
        }
        String scheme = u.getScheme();
        if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) {
            report.error(path, "'" + uri + "' is not an http or https URL" + accepted);
        } else if (u.getHost() == null || u.getHost().isEmpty()) {
            report.error(path, "'" + uri + "' has no host" + accepted);
        } else if (u.getPort() == 0 || u.getPort() > 65535) {
            report.error(path, "'" + uri + "' has an invalid port; use 1..65535" + accepted);
        } else if (scheme.equalsIgnoreCase("http")) {
            report.warning(path, "keys fetched over plain http can be replaced in transit, letting forged tokens pass; use https");
        }
    }

    private static void checkJwks(String jwks, String path, Report report) {
        String accepted = "; jwks takes a JSON Web Key Set such as {\"keys\": [{\"kty\": \"RSA\", \"n\": \"...\", \"e\": \"AQAB\"}]}";
        Object doc;
        try {
            doc = Json.parse(jwks);
        } catch (Json.JsonException e) {
            report.error(path, "not valid JSON: " + e.getMessage() + accepted);
            return;
        }
        if (!(doc instanceof Map<?, ?> m) || !(m.get("keys") instanceof List<?> keys)) {
            report.error(path, "the JSON has no \"keys\" list" + accepted);
            return;
        }
        if (keys.isEmpty()) {
            report.error(path, "the key set is empty, so no token could be verified" + accepted);
            return;
        }
        for (int i = 0; i < keys.size(); i++) {
            if (!(keys.get(i) instanceof Map<?, ?> key) || !(key.get("kty") instanceof String)) {
                report.error(path, "key " + i + " has no \"kty\" (key type, e.g. RSA or EC)" + accepted);
                return;
            }
        }
    }
}
