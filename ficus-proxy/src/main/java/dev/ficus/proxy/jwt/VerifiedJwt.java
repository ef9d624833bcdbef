package dev.ficus.proxy.jwt;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.util.ArrayList;
import java.util.List;

/**
 * What a verified token says about the request, read by the {@code authz} stage: Istio's
 * {@code request.auth.principal} ({@code iss/sub}), {@code audiences}, {@code presenter}
 * ({@code azp}) and {@code claims}. Made once per request that carries a valid token, on its event
 * loop; immutable.
 */
public final class VerifiedJwt {
    private final String issuer;
    private final String subject;
    private final String principal;
    private final List<String> audiences;
    private final String presenter;
    private final JsonObject claims;

    VerifiedJwt(String issuer, String subject, List<String> audiences, JsonObject claims) {
        this.issuer = issuer;
        this.subject = subject;
        this.principal = issuer + "/" + (subject == null ? "" : subject);
        this.audiences = List.copyOf(audiences);
        this.presenter = Json.string(claims, "azp");
        this.claims = claims;
    }

    public String issuer() { return issuer; }

    /** The {@code sub} claim, or null. */
    public String subject() { return subject; }

    /** Istio's request principal: {@code iss/sub}. */
    public String principal() { return principal; }

    /** The {@code aud} values (a string or a list in the token). */
    public List<String> audiences() { return audiences; }

    /** The authorized party ({@code azp}), or null. */
    public String presenter() { return presenter; }

    /**
     * The values of the claim at {@code path} (one name per nesting level): a string or other
     * scalar gives one value, a list gives its scalar elements, anything else (absent, an object,
     * null) none. This is how Istio matches {@code request.auth.claims[a][b]}.
     */
    public List<String> claim(List<String> path) {
        JsonElement e = at(path);
        if (e == null) return List.of();
        if (e instanceof JsonPrimitive p) return List.of(p.getAsString());
        if (e instanceof JsonArray a) {
            List<String> out = new ArrayList<>(a.size());
            for (JsonElement x : a) if (x instanceof JsonPrimitive p) out.add(p.getAsString());
            return out;
        }
        return List.of();
    }

    /** The text of a scalar claim at {@code path}, for {@code outputClaimToHeaders}; null for anything else. */
    public String claimText(List<String> path) {
        return at(path) instanceof JsonPrimitive p ? p.getAsString() : null;
    }

    private JsonElement at(List<String> path) {
        JsonElement e = claims;
        for (String name : path) {
            if (!(e instanceof JsonObject o)) return null;
            e = o.get(name);
        }
        return e;
    }

    @Override
    public String toString() { return "VerifiedJwt[" + principal + "]"; }
}
