package dev.ficus.proxy.tls;

import dev.ficus.xds.ca.Pem;
import dev.ficus.xds.snapshot.ListenerConfig;
import dev.ficus.xds.snapshot.ServerTls;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The TLS servers of one listener (Gateway HTTPS servers, a Sidecar ingress {@code tls}) made into
 * server contexts: the {@code tls} step picks one per connection by the ClientHello's SNI. Built
 * when a snapshot is applied, on the thread that applies it (never an event loop), from the PEM
 * files the snapshot names; a file that cannot be read or parsed fails the whole build with its
 * YAML position and field path, so the proxy keeps serving its previous configuration. BoringSSL
 * when it loads, the JDK's provider otherwise; ALPN offers h2 and http/1.1.
 */
public final class ServerTlsContexts {
    /** TLS versions in order, by their JDK names: a min/max range is a slice of it. */
    private static final List<String> VERSIONS = List.of("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3");

    /**
     * One TLS server: its settings, its context, and the key its router reads the route table by.
     *
     * @param context the server context; null for ISTIO_MUTUAL, which uses {@code mesh}'s current one
     * @param mesh    the proxy's mesh certificate (ISTIO_MUTUAL), else null
     */
    public record Chain(ServerTls config, SslContext context, String routerKey, List<byte[]> spkiPins, List<byte[]> hashPins, MeshTls mesh) {
        /** The context for a new connection; null when it cannot be served (ISTIO_MUTUAL before the first mesh certificate). */
        public SslContext current() { return mesh != null ? mesh.server() : context; }

        /** Whether the client certificate {@code leaf} is one the settings accept beyond the chain check (SANs, pins). */
        public boolean accepts(X509Certificate leaf) {
            if (!config.subjectAltNames().isEmpty() && !hasSan(leaf, config.subjectAltNames())) return false;
            if (spkiPins.isEmpty() && hashPins.isEmpty()) return true;
            for (byte[] pin : spkiPins) if (Arrays.equals(pin, sha256(leaf.getPublicKey().getEncoded()))) return true;
            try {
                byte[] der = sha256(leaf.getEncoded());
                for (byte[] pin : hashPins) if (Arrays.equals(pin, der)) return true;
            } catch (java.security.cert.CertificateEncodingException e) {
                return false;
            }
            return false;
        }
    }

    private final List<Chain> chains;

    private ServerTlsContexts(List<Chain> chains) { this.chains = List.copyOf(chains); }

    public List<Chain> chains() { return chains; }

    /**
     * The server for a ClientHello's SNI: the one that names it most closely (an exact host, then
     * the longest wildcard, then {@code *}; the first of equals), else the first catch-all, else the
     * first server (no SNI, or a name no server lists).
     */
    public Chain select(String sni) {
        Chain best = null;
        int score = -1;
        if (sni != null) {
            for (Chain c : chains) {
                int s = c.config().specificity(sni);
                if (s > score) {
                    score = s;
                    best = c;
                }
            }
        }
        if (best != null) return best;
        for (Chain c : chains) if (c.config().catchAll()) return c;
        return chains.getFirst();
    }

    /** The key under which the router of a listener's {@code index}th TLS server finds its route table. */
    public static String routerKey(String listener, int index) { return listener + "#tls" + index; }

    /**
     * Builds the contexts of every listener of a snapshot that terminates TLS, reusing from
     * {@code previous} the contexts whose settings and file contents are unchanged (a changed
     * certificate file gives a new context).
     *
     * @throws IllegalArgumentException naming the YAML position, field and file of the first problem
     */
    public static Loaded load(List<ListenerConfig> listeners, Loaded previous) {
        return load(listeners, previous, null);
    }

    /** The same, with the proxy's mesh certificate for ISTIO_MUTUAL servers (null: they refuse every connection). */
    public static Loaded load(List<ListenerConfig> listeners, Loaded previous, MeshTls mesh) {
        Map<String, ServerTlsContexts> out = new HashMap<>();
        Map<ServerTls, Built> built = new HashMap<>();
        for (ListenerConfig l : listeners) {
            if (l.tls().isEmpty()) continue;
            List<Chain> chains = new ArrayList<>();
            for (int i = 0; i < l.tls().size(); i++) {
                ServerTls t = l.tls().get(i);
                Built b = built.get(t);
                if (b == null) {
                    b = build(t, previous == null ? null : previous.built.get(t));
                    built.put(t, b);
                }
                chains.add(new Chain(t, b.context, routerKey(l.name(), i), b.spki, b.hash, t.mode() == ServerTls.Mode.ISTIO_MUTUAL ? mesh : null));
            }
            out.put(l.name(), new ServerTlsContexts(chains));
        }
        return new Loaded(Map.copyOf(out), Map.copyOf(built));
    }

    /** The contexts of one snapshot's listeners, by listener name, and what they were built from. */
    public static final class Loaded {
        public static final Loaded EMPTY = new Loaded(Map.of(), Map.of());
        private final Map<String, ServerTlsContexts> byListener;
        private final Map<ServerTls, Built> built;

        private Loaded(Map<String, ServerTlsContexts> byListener, Map<ServerTls, Built> built) {
            this.byListener = byListener;
            this.built = built;
        }

        /** The contexts of a listener, or null when it terminates no TLS. */
        public ServerTlsContexts listener(String name) { return byListener.get(name); }

        /** Whether these contexts are the very ones of {@code other} (nothing was rebuilt). */
        public boolean sameAs(Loaded other) {
            if (!built.keySet().equals(other.built.keySet())) return false;
            for (var e : built.entrySet()) if (e.getValue() != other.built.get(e.getKey())) return false;
            return true;
        }

        /** The files these contexts were read from (for watching). */
        public List<Path> files() {
            List<Path> out = new ArrayList<>();
            for (ServerTls t : built.keySet()) {
                if (t.mode() == ServerTls.Mode.ISTIO_MUTUAL) continue;
                for (String f : new String[]{t.serverCertificate(), t.privateKey(), t.caCertificates()}) if (f != null) out.add(Path.of(f));
            }
            return out;
        }
    }

    /** A context and the file contents it was built from. */
    private record Built(byte[] digest, SslContext context, List<byte[]> spki, List<byte[]> hash) {
    }

    /**
     * Whether {@code key} is the private half of {@code leaf}'s public key: a signature made with
     * it verifies with the certificate (RSA, EC and EdDSA keys; other kinds are taken as they are).
     * A mismatched pair would build a context whose every handshake fails with internal_error.
     */
    static boolean keyMatches(PrivateKey key, X509Certificate leaf) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            case "Ed448" -> "Ed448";
            default -> null;
        };
        if (algorithm == null) return true;
        try {
            byte[] probe = "ficus: does this key belong to this certificate".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            java.security.Signature sign = java.security.Signature.getInstance(algorithm);
            sign.initSign(key);
            sign.update(probe);
            byte[] signature = sign.sign();
            java.security.Signature verify = java.security.Signature.getInstance(algorithm);
            verify.initVerify(leaf.getPublicKey());
            verify.update(probe);
            return verify.verify(signature);
        } catch (java.security.GeneralSecurityException e) { // e.g. an RSA key beside an EC certificate
            return false;
        }
    }

    private static Built build(ServerTls t, Built previous) {
        if (t.mode() == ServerTls.Mode.ISTIO_MUTUAL) return previous != null ? previous : new Built(new byte[0], null, List.of(), List.of());
        byte[] certPem = read(t, "serverCertificate", t.serverCertificate());
        byte[] keyPem = read(t, "privateKey", t.privateKey());
        byte[] caPem = t.caCertificates() == null ? null : read(t, "caCertificates", t.caCertificates());
        MessageDigest sha = sha();
        sha.update(certPem);
        sha.update((byte) 0);
        sha.update(keyPem);
        sha.update((byte) 0);
        if (caPem != null) sha.update(caPem);
        byte[] digest = sha.digest();
        if (previous != null && Arrays.equals(previous.digest, digest)) return previous;

        List<X509Certificate> chain = parse(t, "serverCertificate", t.serverCertificate(), () -> Pem.decodeCertificates(text(certPem)));
        PrivateKey key = parse(t, "privateKey", t.privateKey(), () -> Pem.decodePrivateKey(text(keyPem)));
        List<X509Certificate> roots = caPem == null ? null : parse(t, "caCertificates", t.caCertificates(), () -> Pem.decodeCertificates(text(caPem)));
        if (!chain.isEmpty() && !keyMatches(key, chain.get(0))) {
            // also what a renewal looks like between writing the new certificate and the new key:
            // the pair is refused, the contexts built before keep serving, the next poll retries
            throw new IllegalArgumentException(t.source() + ".privateKey: " + t.privateKey() + " is not the key of the certificate in "
                    + t.serverCertificate() + " (" + chain.get(0).getSubjectX500Principal().getName() + ")");
        }
        List<byte[]> spki = new ArrayList<>();
        for (int i = 0; i < t.verifyCertificateSpki().size(); i++) {
            try {
                spki.add(java.util.Base64.getDecoder().decode(t.verifyCertificateSpki().get(i)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(t.source() + ".verifyCertificateSpki[" + i + "]: not base64: " + t.verifyCertificateSpki().get(i));
            }
        }
        List<byte[]> hash = new ArrayList<>();
        for (int i = 0; i < t.verifyCertificateHash().size(); i++) {
            try {
                hash.add(HexFormat.of().parseHex(t.verifyCertificateHash().get(i).replace(":", "").toLowerCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(t.source() + ".verifyCertificateHash[" + i + "]: not hex: " + t.verifyCertificateHash().get(i));
            }
        }
        try {
            SslContextBuilder b = SslContextBuilder.forServer(key, chain.toArray(X509Certificate[]::new))
                    .sslProvider(MeshTls.provider())
                    .protocols(versions(t))
                    .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                            ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1));
            if (roots != null && t.mode() != ServerTls.Mode.SIMPLE) {
                b.trustManager(roots.toArray(X509Certificate[]::new))
                        .clientAuth(t.mode() == ServerTls.Mode.MUTUAL ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL);
            }
            if (!t.cipherSuites().isEmpty()) b.ciphers(t.cipherSuites());
            return new Built(digest, b.build(), List.copyOf(spki), List.copyOf(hash));
        } catch (SSLException | RuntimeException e) {
            throw new IllegalArgumentException(t.source() + ": cannot build the TLS server from " + t.serverCertificate() + " and " + t.privateKey() + ": " + e.getMessage(), e);
        }
    }

    /** The enabled protocols: Istio's defaults are TLSv1.2 to TLSv1.3. */
    private static String[] versions(ServerTls t) {
        int min = VERSIONS.indexOf(t.minProtocolVersion() == null ? "TLSv1.2" : t.minProtocolVersion());
        int max = VERSIONS.indexOf(t.maxProtocolVersion() == null ? "TLSv1.3" : t.maxProtocolVersion());
        if (min < 0 || max < 0 || min > max) throw new IllegalArgumentException(t.source() + ": no TLS version between " + t.minProtocolVersion() + " and " + t.maxProtocolVersion());
        return VERSIONS.subList(min, max + 1).toArray(String[]::new);
    }

    private static byte[] read(ServerTls t, String field, String file) {
        try {
            return Files.readAllBytes(Path.of(file));
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(t.source() + "." + field + ": cannot read " + file + ": "
                    + (e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage()), e);
        }
    }

    private static <T> T parse(ServerTls t, String field, String file, java.util.function.Supplier<T> p) {
        try {
            return p.get();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(t.source() + "." + field + ": " + file + " is not a usable PEM file: " + e.getMessage(), e);
        }
    }

    private static String text(byte[] b) { return new String(b, java.nio.charset.StandardCharsets.US_ASCII); }

    private static MessageDigest sha() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    private static byte[] sha256(byte[] b) { return sha().digest(b); }

    private static boolean hasSan(X509Certificate leaf, List<String> wanted) {
        try {
            var sans = leaf.getSubjectAlternativeNames();
            if (sans == null) return false;
            for (List<?> san : sans) if (san.size() >= 2 && san.get(1) instanceof String v && wanted.contains(v)) return true;
            return false;
        } catch (java.security.cert.CertificateParsingException e) {
            return false;
        }
    }
}
