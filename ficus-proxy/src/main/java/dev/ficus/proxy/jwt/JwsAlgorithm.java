package dev.ficus.proxy.jwt;

/**
 * The JWS algorithms ficus verifies, each with the JDK signature it maps to and the key type it
 * needs. {@code none}, the HMAC algorithms (a shared secret has no place in a public key set) and
 * any other name are refused. ECDSA uses the JDK's P1363 form, which is JOSE's raw {@code r||s}.
 */
enum JwsAlgorithm {
    RS256("SHA256withRSA", Jwk.KeyType.RSA),
    RS384("SHA384withRSA", Jwk.KeyType.RSA),
    RS512("SHA512withRSA", Jwk.KeyType.RSA),
    ES256("SHA256withECDSAinP1363Format", Jwk.KeyType.EC_P256),
    ES384("SHA384withECDSAinP1363Format", Jwk.KeyType.EC_P384),
    EdDSA("Ed25519", Jwk.KeyType.ED25519);

    final String jdkName;
    final Jwk.KeyType keyType;

    JwsAlgorithm(String jdkName, Jwk.KeyType keyType) {
        this.jdkName = jdkName;
        this.keyType = keyType;
    }

    /** The algorithm named {@code alg} in a token header, or null when ficus does not verify it. */
    static JwsAlgorithm of(String alg) {
        if (alg == null) return null;
        return switch (alg) {
            case "RS256" -> RS256;
            case "RS384" -> RS384;
            case "RS512" -> RS512;
            case "ES256" -> ES256;
            case "ES384" -> ES384;
            case "EdDSA" -> EdDSA;
            default -> null;
        };
    }
}
