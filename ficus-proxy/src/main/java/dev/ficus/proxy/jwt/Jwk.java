package dev.ficus.proxy.jwt;

import java.security.PublicKey;

/**
 * One usable key of a JSON Web Key Set, already a JDK public key.
 *
 * @param kid   the key id, or null
 * @param type  which token algorithms it can verify
 * @param alg   the {@code alg} the key is restricted to, or null for any of its type
 */
record Jwk(String kid, KeyType type, String alg, PublicKey key) {

    /** The families of keys, each verifying its own algorithms. */
    enum KeyType { RSA, EC_P256, EC_P384, ED25519 }
}
