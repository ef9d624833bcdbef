package dev.ficus.proxy.jwt;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ficus.xds.snapshot.JwtPolicies;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaders;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The algorithms and key-set rules, with tokens signed by the JDK's Signature API in the test. */
class JwtVerificationTest {
    static final String ISS = "https://issuer.example";
    static final Instant NOW = Instant.parse("2026-11-26T00:00:00Z");

    static String b64(byte[] b) { return OpensslJwts.b64(b); }

    static String b64(BigInteger v, int size) { return b64(size > 0 ? OpensslJwts.fixed(v, size) : OpensslJwts.unsigned(v)); }

    static String rsaJwk(KeyPair k, String kid, String extra) {
        RSAPublicKey p = (RSAPublicKey) k.getPublic();
        return "{\"kty\":\"RSA\"" + (kid == null ? "" : ",\"kid\":\"" + kid + "\"") + extra + ",\"n\":\"" + b64(p.getModulus(), 0) + "\",\"e\":\"" + b64(p.getPublicExponent(), 0) + "\"}";
    }

    static String ecJwk(KeyPair k, String crv, int size) {
        ECPublicKey p = (ECPublicKey) k.getPublic();
        return "{\"kty\":\"EC\",\"crv\":\"" + crv + "\",\"x\":\"" + b64(p.getW().getAffineX(), size) + "\",\"y\":\"" + b64(p.getW().getAffineY(), size) + "\"}";
    }

    static String token(String alg, String jdk, KeyPair k, String kid, String payload) throws Exception {
        String input = b64(("{\"alg\":\"" + alg + "\"" + (kid == null ? "" : ",\"kid\":\"" + kid + "\"") + "}").getBytes(StandardCharsets.UTF_8))
                + "." + b64(payload.getBytes(StandardCharsets.UTF_8));
        Signature s = Signature.getInstance(jdk);
        s.initSign(k.getPrivate());
        s.update(input.getBytes(StandardCharsets.US_ASCII));
        return input + "." + b64(s.sign());
    }

    static JwtAuthenticator authn(String jwks, List<String> audiences) {
        return JwtAuthenticator.compile(new JwtPolicies(List.of(new JwtPolicies.Rule("shop/jwt", ISS, audiences, jwks, null, null,
                List.of(new JwtPolicies.FromHeader("Authorization", "Bearer ")), List.of(), List.of(), null, List.of(), false))),
                null, Clock.fixed(NOW, ZoneOffset.UTC));
    }

    static JwtAuthenticator.Outcome check(JwtAuthenticator a, String token) {
        HttpHeaders h = DefaultHttpHeadersFactory.headersFactory().newHeaders().set("authorization", "Bearer " + token);
        return a.authenticate("/", h);
    }

    static String payload(String aud, long exp) {
        return "{\"iss\":\"" + ISS + "\",\"sub\":\"alice\",\"aud\":" + aud + ",\"exp\":" + exp + "}";
    }

    static KeyPair rsa() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    static KeyPair ec(String curve) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec(curve));
        return g.generateKeyPair();
    }

    @Test
    void rs384Rs512AndEs384VerifyAndAKidlessTokenTriesEveryKeyOfItsType() throws Exception {
        KeyPair other = rsa();
        KeyPair r = rsa();
        KeyPair p384 = ec("secp384r1");
        JwtAuthenticator a = authn("{\"keys\":[" + rsaJwk(other, "a", "") + "," + rsaJwk(r, "b", "") + "," + ecJwk(p384, "P-384", 48) + "]}", List.of());
        long exp = NOW.getEpochSecond() + 60;
        assertThat(check(a, token("RS384", "SHA384withRSA", r, null, payload("\"x\"", exp))).jwt().principal()).isEqualTo(ISS + "/alice");
        assertThat(check(a, token("RS512", "SHA512withRSA", r, "b", payload("\"x\"", exp))).failed()).isFalse();
        assertThat(check(a, token("ES384", "SHA384withECDSAinP1363Format", p384, null, payload("\"x\"", exp))).failed()).isFalse();
        assertThat(check(a, token("RS512", "SHA512withRSA", r, "a", payload("\"x\"", exp))).failure()).contains("signature");
        assertThat(check(a, token("ES256", "SHA256withECDSAinP1363Format", ec("secp256r1"), null, payload("\"x\"", exp))).failure()).contains("no key");
    }

    @Test
    void audiencesAreComparedAsEnvoyDoesAndTheSkewIsSixtySeconds() throws Exception {
        KeyPair r = rsa();
        JwtAuthenticator a = authn("{\"keys\":[" + rsaJwk(r, "k", "") + "]}", List.of("https://shop.example/"));
        long now = NOW.getEpochSecond();
        assertThat(check(a, token("RS256", "SHA256withRSA", r, "k", payload("[\"x\",\"shop.example\"]", now + 5))).failed()).isFalse();
        assertThat(check(a, token("RS256", "SHA256withRSA", r, "k", payload("\"x\"", now + 5))).failure()).contains("audience");
        assertThat(check(a, token("RS256", "SHA256withRSA", r, "k", payload("\"shop.example\"", now - 60))).failed()).isFalse();
        assertThat(check(a, token("RS256", "SHA256withRSA", r, "k", payload("\"shop.example\"", now - 61))).failure()).contains("expired");
    }

    @Test
    void keysThatCannotBeUsedAreLeftOut() throws Exception {
        KeyPair r = rsa();
        KeyPair p256 = ec("secp256r1");
        ECPublicKey pub = (ECPublicKey) p256.getPublic();
        String offCurve = "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" + b64(pub.getW().getAffineX(), 32) + "\",\"y\":\""
                + b64(pub.getW().getAffineY().add(BigInteger.ONE), 32) + "\"}";
        Jwks set = Jwks.parse("{\"keys\":[" + rsaJwk(r, "enc", ",\"use\":\"enc\"") + "," + offCurve + ",{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"},"
                + "{\"kty\":\"EC\",\"crv\":\"P-521\",\"x\":\"AA\",\"y\":\"AA\"}," + ecJwk(p256, "P-256", 32) + "]}");
        assertThat(set.keys()).hasSize(1);
        assertThat(set.keys().getFirst().type()).isEqualTo(Jwk.KeyType.EC_P256);
        assertThat(set.skipped()).hasSize(4);
        assertThat(String.join("\n", set.skipped())).contains("not for signatures", "not on secp256r1", "oct", "P-521");
    }

    @Test
    void aKeyRestrictedToAnotherAlgorithmIsNotUsed() throws Exception {
        KeyPair r = rsa();
        JwtAuthenticator a = authn("{\"keys\":[" + rsaJwk(r, "k", ",\"alg\":\"RS512\"") + "]}", List.of());
        assertThat(check(a, token("RS256", "SHA256withRSA", r, "k", payload("\"x\"", NOW.getEpochSecond() + 60))).failure()).contains("no key");
    }
}
