package dev.ficus.proxy.jwt;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.ECFieldFp;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A parsed JSON Web Key Set (RFC 7517): the RSA, EC P-256/P-384 and Ed25519 keys of a {@code jwks}
 * text as JDK public keys. Built once per snapshot (inline {@code jwks}) or per fetch
 * ({@code jwksUri}), never per request; immutable. Keys it cannot use (another type, a curve it
 * does not support, {@code use} other than {@code sig}, malformed numbers) are left out and named
 * in {@link #skipped()}.
 */
final class Jwks {
    private static final byte[] ED25519_X509_PREFIX = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

    private final List<Jwk> keys;
    private final List<String> skipped;

    private Jwks(List<Jwk> keys, List<String> skipped) {
        this.keys = List.copyOf(keys);
        this.skipped = List.copyOf(skipped);
    }

    /** The usable keys, in the set's order. */
    List<Jwk> keys() { return keys; }

    /** Why keys were left out, one line each. */
    List<String> skipped() { return skipped; }

    /** The key set of {@code json}; throws {@link IllegalArgumentException} when it is no JWKS at all. */
    static Jwks parse(String json) {
        JsonObject doc = json == null ? null : Json.object(json);
        if (doc == null || !(doc.get("keys") instanceof JsonArray array)) throw new IllegalArgumentException("not a JSON Web Key Set (no \"keys\" list)");
        List<Jwk> keys = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            JsonElement e = array.get(i);
            if (!e.isJsonObject()) {
                skipped.add("key " + i + ": not an object");
                continue;
            }
            try {
                keys.add(key(e.getAsJsonObject()));
            } catch (IllegalArgumentException | GeneralSecurityException x) {
                skipped.add("key " + i + ": " + x.getMessage());
            }
        }
        return new Jwks(keys, skipped);
    }

    private static Jwk key(JsonObject k) throws GeneralSecurityException {
        String kty = Json.string(k, "kty");
        String use = Json.string(k, "use");
        if (use != null && !use.equals("sig")) throw new IllegalArgumentException("\"use\": \"" + use + "\" is not for signatures");
        String kid = Json.string(k, "kid");
        String alg = Json.string(k, "alg");
        if (kty == null) throw new IllegalArgumentException("no \"kty\"");
        return switch (kty) {
            case "RSA" -> {
                BigInteger n = unsigned(k, "n");
                BigInteger e = unsigned(k, "e");
                yield new Jwk(kid, Jwk.KeyType.RSA, alg, KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(n, e)));
            }
            case "EC" -> {
                String crv = Json.string(k, "crv");
                Jwk.KeyType type;
                String curve;
                if ("P-256".equals(crv)) {
                    type = Jwk.KeyType.EC_P256;
                    curve = "secp256r1";
                } else if ("P-384".equals(crv)) {
                    type = Jwk.KeyType.EC_P384;
                    curve = "secp384r1";
                } else {
                    throw new IllegalArgumentException("EC curve " + crv + " is not supported (P-256, P-384)");
                }
                yield new Jwk(kid, type, alg, ecKey(curve, bytes(k, "x"), bytes(k, "y")));
            }
            case "OKP" -> {
                String crv = Json.string(k, "crv");
                if (!"Ed25519".equals(crv)) throw new IllegalArgumentException("OKP curve " + crv + " is not supported (Ed25519)");
                byte[] x = bytes(k, "x");
                if (x.length != 32) throw new IllegalArgumentException("an Ed25519 \"x\" has 32 bytes, not " + x.length);
                byte[] der = new byte[ED25519_X509_PREFIX.length + 32];
                System.arraycopy(ED25519_X509_PREFIX, 0, der, 0, ED25519_X509_PREFIX.length);
                System.arraycopy(x, 0, der, ED25519_X509_PREFIX.length, 32);
                yield new Jwk(kid, Jwk.KeyType.ED25519, alg, KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der)));
            }
            default -> throw new IllegalArgumentException("key type " + kty + " is not supported (RSA, EC, OKP)");
        };
    }

    /** An EC public key, refused unless the point is on the curve. */
    private static PublicKey ecKey(String curve, byte[] x, byte[] y) throws GeneralSecurityException {
        AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
        params.init(new ECGenParameterSpec(curve));
        ECParameterSpec spec = params.getParameterSpec(ECParameterSpec.class);
        int size = (spec.getCurve().getField().getFieldSize() + 7) / 8;
        if (x.length != size || y.length != size) throw new IllegalArgumentException("\"x\" and \"y\" of " + curve + " have " + size + " bytes each");
        BigInteger px = new BigInteger(1, x);
        BigInteger py = new BigInteger(1, y);
        BigInteger p = ((ECFieldFp) spec.getCurve().getField()).getP();
        BigInteger rhs = px.pow(3).add(spec.getCurve().getA().multiply(px)).add(spec.getCurve().getB()).mod(p);
        if (px.compareTo(p) >= 0 || py.compareTo(p) >= 0 || !py.pow(2).mod(p).equals(rhs)) throw new IllegalArgumentException("the point is not on " + curve);
        return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(new ECPoint(px, py), spec));
    }

    private static BigInteger unsigned(JsonObject k, String name) {
        byte[] b = bytes(k, name);
        if (b.length == 0) throw new IllegalArgumentException("\"" + name + "\" is empty");
        return new BigInteger(1, b);
    }

    private static byte[] bytes(JsonObject k, String name) {
        String v = Json.string(k, name);
        if (v == null) throw new IllegalArgumentException("no \"" + name + "\"");
        try {
            return Base64.getUrlDecoder().decode(v);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("\"" + name + "\" is not base64url");
        }
    }
}
