package dev.ficus.proxy.jwt;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A compact JWS ({@code header.payload.signature}) split and decoded, not yet verified.
 *
 * @param signingInput the bytes the signature covers: {@code header.payload} as sent
 * @param payloadText  the payload segment as sent (base64url), for {@code outputPayloadToHeader}
 */
record Token(JwsAlgorithm alg, String kid, JsonObject payload, byte[] signingInput, String payloadText, byte[] signature) {
    /** Longer tokens are refused before decoding: a bound on the work one request can cause. */
    static final int MAX_LENGTH = 16 * 1024;

    static Token parse(String compact) throws JwtFailure {
        if (compact.isEmpty()) throw new JwtFailure("empty token");
        if (compact.length() > MAX_LENGTH) throw new JwtFailure("token longer than " + MAX_LENGTH + " characters");
        int dot1 = compact.indexOf('.');
        int dot2 = dot1 < 0 ? -1 : compact.indexOf('.', dot1 + 1);
        if (dot2 < 0 || compact.indexOf('.', dot2 + 1) >= 0) throw new JwtFailure("not a compact JWS (three dot-separated parts)");
        JsonObject header = Json.object(text(compact.substring(0, dot1), "header"));
        if (header == null) throw new JwtFailure("the header is not a JSON object");
        JsonObject payload = Json.object(text(compact.substring(dot1 + 1, dot2), "payload"));
        if (payload == null) throw new JwtFailure("the payload is not a JSON object");
        String algName = Json.string(header, "alg");
        JwsAlgorithm alg = JwsAlgorithm.of(algName);
        if (alg == null) throw new JwtFailure("algorithm " + (algName == null ? "(missing)" : "'" + algName + "'") + " is not accepted");
        if (header.has("crit")) throw new JwtFailure("critical header extensions are not supported");
        JsonElement kid = header.get("kid");
        if (kid != null && !(kid.isJsonPrimitive() && kid.getAsJsonPrimitive().isString())) throw new JwtFailure("\"kid\" is not a string");
        byte[] signature = decode(compact.substring(dot2 + 1), "signature");
        if (signature.length == 0) throw new JwtFailure("no signature");
        return new Token(alg, kid == null ? null : kid.getAsString(), payload,
                compact.substring(0, dot2).getBytes(StandardCharsets.US_ASCII), compact.substring(dot1 + 1, dot2), signature);
    }

    private static String text(String part, String what) throws JwtFailure {
        return new String(decode(part, what), StandardCharsets.UTF_8);
    }

    private static byte[] decode(String part, String what) throws JwtFailure {
        for (int i = 0; i < part.length(); i++) {
            char c = part.charAt(i);
            boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
            if (!ok) throw new JwtFailure("the " + what + " is not base64url");
        }
        try {
            return Base64.getUrlDecoder().decode(part);
        } catch (IllegalArgumentException e) {
            throw new JwtFailure("the " + what + " is not base64url");
        }
    }
}
