package dev.ficus.proxy.jwt;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.ficus.xds.snapshot.JwtPolicies;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Verifies tokens for one {@code jwtRules} entry: signature with the rule's keys, then issuer,
 * audiences and the time window. Built once per snapshot; {@link #verify} runs on event loops and
 * allocates only what the JDK's {@link Signature} needs.
 */
final class RuleVerifier {
    final JwtPolicies.Rule rule;
    private final KeySource keys;
    private final Set<String> audiences; // normalized; empty: not checked
    private final long skewSeconds;

    RuleVerifier(JwtPolicies.Rule rule, KeySource keys, long skewSeconds) {
        this.rule = rule;
        this.keys = keys;
        Set<String> a = new HashSet<>();
        for (String s : rule.audiences()) a.add(normalizeAudience(s));
        this.audiences = Set.copyOf(a);
        this.skewSeconds = skewSeconds;
    }

    VerifiedJwt verify(Token t, long nowSeconds) throws JwtFailure {
        Jwks set = keys.current();
        if (set == null) throw new JwtFailure("the key set of issuer " + rule.issuer() + " is not loaded");
        boolean tried = false;
        boolean verified = false;
        for (Jwk k : set.keys()) {
            if (k.type() != t.alg().keyType) continue;
            if (k.alg() != null && !k.alg().equals(t.alg().name())) continue;
            if (t.kid() != null && k.kid() != null && !t.kid().equals(k.kid())) continue; // Envoy's rule: a key without kid is tried too
            tried = true;
            if (signatureValid(k, t)) {
                verified = true;
                break;
            }
        }
        if (!tried) throw new JwtFailure("no key matches " + (t.kid() != null ? "kid '" + t.kid() + "' and " : "") + "alg " + t.alg());
        if (!verified) throw new JwtFailure("the signature does not verify");
        JsonObject p = t.payload();
        long exp = time(p, "exp");
        if (exp != Long.MIN_VALUE && nowSeconds > exp + skewSeconds) throw new JwtFailure("the token expired");
        long nbf = time(p, "nbf");
        if (nbf != Long.MIN_VALUE && nowSeconds < nbf - skewSeconds) throw new JwtFailure("the token is not valid yet");
        List<String> aud = audiences(p);
        if (!audiences.isEmpty()) {
            boolean any = false;
            for (String a : aud) any |= audiences.contains(normalizeAudience(a));
            if (!any) throw new JwtFailure("no audience of the token is accepted");
        }
        JsonElement sub = p.get("sub");
        if (sub != null && !(sub instanceof JsonPrimitive s && s.isString())) throw new JwtFailure("\"sub\" is not a string");
        return new VerifiedJwt(rule.issuer(), sub == null ? null : sub.getAsString(), aud, p);
    }

    private static boolean signatureValid(Jwk k, Token t) {
        try {
            Signature s = Signature.getInstance(t.alg().jdkName);
            s.initVerify(k.key());
            s.update(t.signingInput());
            return s.verify(t.signature());
        } catch (GeneralSecurityException | IllegalArgumentException e) { // a malformed signature is a wrong one
            return false;
        }
    }

    /** A NumericDate claim in seconds, or {@code Long.MIN_VALUE} when absent. */
    private static long time(JsonObject p, String name) throws JwtFailure {
        JsonElement e = p.get(name);
        if (e == null) return Long.MIN_VALUE;
        if (!(e instanceof JsonPrimitive n) || !n.isNumber()) throw new JwtFailure("\"" + name + "\" is not a number");
        try {
            double d = n.getAsDouble();
            if (Double.isNaN(d) || Double.isInfinite(d)) throw new JwtFailure("\"" + name + "\" is not a number");
            return (long) Math.max(Long.MIN_VALUE + 1, Math.min(Long.MAX_VALUE / 2, Math.floor(d)));
        } catch (NumberFormatException x) {
            throw new JwtFailure("\"" + name + "\" is not a number");
        }
    }

    private static List<String> audiences(JsonObject p) throws JwtFailure {
        JsonElement e = p.get("aud");
        if (e == null) return List.of();
        if (e instanceof JsonPrimitive s && s.isString()) return List.of(s.getAsString());
        if (e instanceof JsonArray a) {
            List<String> out = new ArrayList<>(a.size());
            for (JsonElement x : a) {
                if (!(x instanceof JsonPrimitive s && s.isString())) throw new JwtFailure("\"aud\" holds a value that is not a string");
                out.add(s.getAsString());
            }
            return out;
        }
        throw new JwtFailure("\"aud\" is neither a string nor a list");
    }

    /** Envoy compares audiences without their {@code http(s)://} scheme and trailing slash. */
    static String normalizeAudience(String a) {
        String s = a;
        if (s.startsWith("https://")) s = s.substring(8);
        else if (s.startsWith("http://")) s = s.substring(7);
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }
}
