package dev.ficus.proxy.jwt;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Makes keys and signed JWTs with the {@code openssl} command, an implementation independent of
 * ficus's verifier; the JWKS is built here from the public keys openssl wrote.
 */
public final class OpensslJwts {
    /** A key pair made by openssl: its private key file and the public key as a JWK. */
    public record Key(String alg, String kid, Path privatePem, PublicKey publicKey) {
        public String jwk() {
            String common = "\"kid\": \"" + kid + "\", \"use\": \"sig\"";
            return switch (publicKey) {
                case RSAPublicKey r -> "{\"kty\": \"RSA\", " + common + ", \"n\": \"" + b64(unsigned(r.getModulus())) + "\", \"e\": \""
                        + b64(unsigned(r.getPublicExponent())) + "\"}";
                case ECPublicKey e -> "{\"kty\": \"EC\", \"crv\": \"P-256\", " + common + ", \"x\": \"" + b64(fixed(e.getW().getAffineX(), 32))
                        + "\", \"y\": \"" + b64(fixed(e.getW().getAffineY(), 32)) + "\"}";
                default -> { // Ed25519: the last 32 bytes of its X.509 encoding are the key
                    byte[] der = publicKey.getEncoded();
                    yield "{\"kty\": \"OKP\", \"crv\": \"Ed25519\", " + common + ", \"x\": \"" + b64(Arrays.copyOfRange(der, der.length - 32, der.length)) + "\"}";
                }
            };
        }
    }

    private final Path dir;

    public OpensslJwts(Path dir) { this.dir = dir; }

    /** Whether the openssl command runs here. */
    public static boolean available() {
        try {
            Process p = new ProcessBuilder("openssl", "version").redirectErrorStream(true).start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public Key rsa(String kid) throws Exception { return key("RS256", kid, "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"); }

    public Key ec(String kid) throws Exception { return key("ES256", kid, "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"); }

    public Key ed25519(String kid) throws Exception { return key("EdDSA", kid, "-algorithm", "ED25519"); }

    private Key key(String alg, String kid, String... genArgs) throws Exception {
        Path pem = dir.resolve(kid + ".pem");
        Path der = dir.resolve(kid + ".pub.der");
        List<String> gen = new java.util.ArrayList<>(List.of("openssl", "genpkey"));
        gen.addAll(List.of(genArgs));
        gen.addAll(List.of("-out", pem.toString()));
        run(gen);
        run(List.of("openssl", "pkey", "-in", pem.toString(), "-pubout", "-outform", "DER", "-out", der.toString()));
        String jdk = switch (alg) {
            case "RS256" -> "RSA";
            case "ES256" -> "EC";
            default -> "Ed25519";
        };
        PublicKey pub = KeyFactory.getInstance(jdk).generatePublic(new X509EncodedKeySpec(Files.readAllBytes(der)));
        return new Key(alg, kid, pem, pub);
    }

    /** A JWKS of {@code keys}. */
    public static String jwks(Key... keys) {
        return "{\"keys\": [" + String.join(", ", Arrays.stream(keys).map(Key::jwk).toList()) + "]}";
    }

    /** A token signed by openssl with {@code k}: header {@code {"alg": k.alg, "kid": k.kid}}. */
    public String sign(Key k, String payloadJson) throws Exception {
        return sign(k, "{\"alg\":\"" + k.alg() + "\",\"typ\":\"JWT\",\"kid\":\"" + k.kid() + "\"}", payloadJson);
    }

    public String sign(Key k, String headerJson, String payloadJson) throws Exception {
        String input = b64(headerJson.getBytes(StandardCharsets.UTF_8)) + "." + b64(payloadJson.getBytes(StandardCharsets.UTF_8));
        Path in = Files.createTempFile(dir, "in", ".txt");
        Path sig = Files.createTempFile(dir, "sig", ".bin");
        Files.writeString(in, input, StandardCharsets.US_ASCII);
        switch (k.alg()) {
            case "EdDSA" -> run(List.of("openssl", "pkeyutl", "-sign", "-inkey", k.privatePem().toString(), "-rawin", "-in", in.toString(), "-out", sig.toString()));
            default -> run(List.of("openssl", "dgst", "-sha256", "-sign", k.privatePem().toString(), "-out", sig.toString(), in.toString()));
        }
        byte[] s = Files.readAllBytes(sig);
        if (k.alg().equals("ES256")) s = derToJose(s, 32);
        return input + "." + b64(s);
    }

    /** openssl writes ECDSA signatures as DER SEQUENCE { r INTEGER, s INTEGER }; JOSE wants r || s, each {@code size} bytes. */
    static byte[] derToJose(byte[] der, int size) {
        int i = 2;
        if ((der[1] & 0x80) != 0) i = 2 + (der[1] & 0x7f);
        int rLen = der[i + 1];
        byte[] r = Arrays.copyOfRange(der, i + 2, i + 2 + rLen);
        i = i + 2 + rLen;
        int sLen = der[i + 1];
        byte[] s = Arrays.copyOfRange(der, i + 2, i + 2 + sLen);
        byte[] out = new byte[2 * size];
        byte[] rf = fixed(new BigInteger(1, r), size);
        byte[] sf = fixed(new BigInteger(1, s), size);
        System.arraycopy(rf, 0, out, 0, size);
        System.arraycopy(sf, 0, out, size, size);
        return out;
    }

    private static void run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
    }

    public static String b64(byte[] b) { return Base64.getUrlEncoder().withoutPadding().encodeToString(b); }

    static byte[] unsigned(BigInteger v) {
        byte[] b = v.toByteArray();
        return b.length > 1 && b[0] == 0 ? Arrays.copyOfRange(b, 1, b.length) : b;
    }

    static byte[] fixed(BigInteger v, int size) {
        byte[] b = unsigned(v);
        byte[] out = new byte[size];
        System.arraycopy(b, 0, out, size - b.length, b.length);
        return out;
    }
}
