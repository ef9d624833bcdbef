package dev.ficus.xds.translate;

import dev.ficus.api.Kind;
import dev.ficus.api.Resource;
import dev.ficus.api.config.ConfigSet;
import dev.ficus.api.security.ClaimToHeader;
import dev.ficus.api.security.JWTHeader;
import dev.ficus.api.security.JWTRule;
import dev.ficus.api.security.RequestAuthentication;
import dev.ficus.api.security.WorkloadSelector;
import dev.ficus.xds.snapshot.JwtPolicies;
import java.util.ArrayList;
import java.util.List;

/**
 * Compiles the RequestAuthentications that select a proxy into {@link JwtPolicies}, with the same
 * selection as {@link AuthzTranslator}: those of Istio's root namespace and of the proxy's
 * namespace whose selector matches the proxy's labels or that have none. The translator attaches
 * the result to inbound and gateway listeners, where Istio verifies tokens.
 *
 * <p>Istio's default token locations are written out here ({@code Authorization: Bearer} and the
 * {@code access_token} query parameter when a rule names no location), so the proxy only reads
 * what the snapshot says. A rule with neither {@code jwks} nor {@code jwksUri} would need OpenID
 * discovery, which ficus does not do yet: it is kept, so that its tokens are refused rather than
 * passed, and noted.
 */
final class JwtTranslator {
    private JwtTranslator() {}

    static JwtPolicies forProxy(ConfigSet config, ProxyIdentity who, AuthzTranslator.Notes notes) {
        List<JwtPolicies.Rule> out = new ArrayList<>();
        for (Resource<RequestAuthentication> r : config.all(Kind.REQUEST_AUTHENTICATION, RequestAuthentication.class)) {
            if (!r.namespace().equals(Translator.ROOT_NAMESPACE) && !r.namespace().equals(who.namespace())) continue;
            RequestAuthentication spec = r.spec();
            if (spec.targetRef() != null || !spec.targetRefs().isEmpty()) {
                notes.note(r, spec.targetRef() != null ? "spec.targetRef" : "spec.targetRefs",
                        "policies attached with targetRef are not applied by the proxy; use selector");
                continue;
            }
            if (!WorkloadSelector.isNamespaceWide(spec.selector()) && !spec.selector().matches(who.labels())) continue;
            for (int i = 0; i < spec.jwtRules().size(); i++) {
                out.add(rule(r, spec.jwtRules().get(i), "spec.jwtRules[" + i + "]", notes));
            }
        }
        return out.isEmpty() ? JwtPolicies.NONE : new JwtPolicies(out);
    }

    private static JwtPolicies.Rule rule(Resource<RequestAuthentication> r, JWTRule rule, String path, AuthzTranslator.Notes notes) {
        if (rule.jwks() == null && rule.jwksUrl() == null) {
            notes.note(r, path, "neither jwks nor jwksUri is set and ficus does not discover keys through OpenID yet: "
                    + "tokens of issuer '" + rule.issuer() + "' are refused (401); set jwksUri");
        }
        List<JwtPolicies.FromHeader> headers = new ArrayList<>();
        for (JWTHeader h : rule.headersOrDefault()) headers.add(new JwtPolicies.FromHeader(h.name(), h.prefixOrEmpty()));
        List<JwtPolicies.ClaimToHeader> claims = new ArrayList<>();
        for (ClaimToHeader c : rule.outputClaimToHeaders()) claims.add(new JwtPolicies.ClaimToHeader(c.header(), c.claim()));
        return new JwtPolicies.Rule(r.namespace() + "/" + r.name(), rule.issuer(), rule.audiences(), rule.jwks(),
                rule.jwks() != null ? null : rule.jwksUrl(), rule.timeout(), headers, rule.paramsOrDefault(), rule.fromCookies(),
                rule.outputPayloadToHeader(), claims, rule.forwardsOriginalToken());
    }
}
