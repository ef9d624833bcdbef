package dev.ficus.proxy.jwt;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ficus.xds.snapshot.JwtPolicies;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaders;
import java.math.BigInteger;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Whatever a client sends as a token, the stage answers with a clean refusal, never an exception. */
class JwtAuthenticatorPropertiesTest {
    static final JwtAuthenticator AUTHN = authenticator();

    static JwtAuthenticator authenticator() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            RSAPublicKey k = (RSAPublicKey) g.generateKeyPair().getPublic();
            String jwks = "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"k\",\"n\":\"" + b64(k.getModulus()) + "\",\"e\":\"" + b64(k.getPublicExponent()) + "\"}]}";
            JwtPolicies p = new JwtPolicies(List.of(new JwtPolicies.Rule("shop/jwt", "https://issuer.example", List.of(), jwks, null, null,
                    List.of(new JwtPolicies.FromHeader("Authorization", "Bearer ")), List.of("access_token"), List.of("session"),
                    null, List.of(new JwtPolicies.ClaimToHeader("x-sub", "sub")), false)));
            return JwtAuthenticator.compile(p, null, Clock.systemUTC());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String b64(BigInteger v) { return Base64.getUrlEncoder().withoutPadding().encodeToString(OpensslJwts.unsigned(v)); }

    @Provide
    Arbitrary<String> tokens() {
        Arbitrary<String> any = Arbitraries.strings().ofMaxLength(300);
        Arbitrary<String> b64ish = Arbitraries.strings().withChars("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=").ofMaxLength(300);
        Arbitrary<String> threeParts = Arbitraries.strings().withChars("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_").ofMaxLength(80)
                .list().ofSize(3).map(l -> String.join(".", l));
        Arbitrary<String> jsonParts = Arbitraries.strings().ofMaxLength(60).list().ofSize(2)
                .map(l -> enc("{\"alg\":\"RS256\",\"kid\":" + l.get(0) + "}") + "." + enc(l.get(1)) + ".c2ln");
        return Arbitraries.oneOf(any, b64ish, threeParts, jsonParts);
    }

    static String enc(String s) { return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(java.nio.charset.StandardCharsets.UTF_8)); }

    /** Headers that take any value, as a test client could not send but a fuzzer can. */
    static HttpHeaders headers() { return DefaultHttpHeadersFactory.headersFactory().withValidation(false).newHeaders(); }

    @Property(tries = 2000)
    void anyHeaderTokenIsRefusedCleanly(@ForAll("tokens") String token) {
        HttpHeaders h = headers().set("authorization", "Bearer " + token);
        JwtAuthenticator.Outcome o = AUTHN.authenticate("/orders", h);
        assertThat(o.failed()).isTrue();
        assertThat(o.jwt()).isNull();
        assertThat(h.get("x-sub")).isNull();
    }

    @Property(tries = 1000)
    void anyQueryOrCookieIsAnsweredWithoutAnException(@ForAll("tokens") String value) {
        HttpHeaders h = headers().set("cookie", "session=" + value);
        JwtAuthenticator.Outcome cookie = AUTHN.authenticate("/orders", h);
        JwtAuthenticator.Outcome query = AUTHN.authenticate("/orders?access_token=" + value, headers());
        assertThat(cookie.jwt()).isNull();
        assertThat(query.jwt()).isNull();
    }
}
