package dev.ficus.control.ca;

import dev.ficus.api.SpiffeId;
import dev.ficus.xds.ca.Pem;
import dev.ficus.xds.ca.WorkloadIdentity;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The control plane's certificate authority: it turns a workload's CSR into a short-lived X.509
 * SVID whose URI SAN is {@code spiffe://TRUST_DOMAIN/ns/NAMESPACE/sa/SERVICE_ACCOUNT} — the
 * identity the <em>caller</em> gives {@link #sign}, never one taken on trust from the CSR.
 *
 * <p>Its keys live in one directory ({@link #defaultDirectory()} unless configured):
 * <ul>
 *   <li><b>plug-in CA</b> (Istio's {@code cacerts} layout) when the directory holds
 *       {@code ca-cert.pem}: {@code ca-cert.pem} + {@code ca-key.pem} sign, {@code root-cert.pem}
 *       is the trust bundle (one root or several during a rotation), {@code cert-chain.pem} is the
 *       chain from {@code ca-cert.pem} up to the root, sent after each leaf;</li>
 *   <li><b>generated root</b> otherwise: {@code root-cert.pem} + {@code root-key.pem} (mode 0600),
 *       created on first start (EC P-256, CN "ficus root CA", 10 years) and reused afterwards.</li>
 * </ul>
 * Immutable once opened; {@link #sign} is safe from any thread (the sync port's gRPC executor calls it).
 */
public final class CertificateAuthority {
    public static final String ROOT_CERT = "root-cert.pem";
    public static final String ROOT_KEY = "root-key.pem";
    public static final String CA_CERT = "ca-cert.pem";
    public static final String CA_KEY = "ca-key.pem";
    public static final String CERT_CHAIN = "cert-chain.pem";

    public static final String DEFAULT_TRUST_DOMAIN = "cluster.local";
    /** Istio's default workload certificate lifetime; also the longest a request can get unless configured. */
    public static final Duration DEFAULT_MAX_TTL = Duration.ofHours(24);
    /** Renewal at half life every 5 minutes at most per workload: bounded load on the CA. */
    public static final Duration DEFAULT_MIN_TTL = Duration.ofMinutes(10);
    /** notBefore is this far in the past, so that a peer whose clock is slightly behind accepts a new certificate. */
    public static final Duration CLOCK_SKEW = Duration.ofMinutes(1);
    public static final Duration ROOT_LIFETIME = Duration.ofDays(3650);
    public static final String ROOT_COMMON_NAME = "ficus root CA";

    /** Where the CA came from. */
    public enum Kind { GENERATED, PLUG_IN }

    /** The CA cannot be used as configured; the message names the file and what is wrong with it. */
    public static final class LoadException extends IOException {
        public LoadException(String message) { super(message); }
        public LoadException(String message, Throwable cause) { super(message, cause); }
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Kind kind;
    private final Path directory;
    private final String trustDomain;
    private final X509Certificate signingCert;
    private final PrivateKey signingKey;
    private final List<X509Certificate> intermediates; // sent after each leaf: signingCert and up, roots excluded
    private final List<X509Certificate> roots;
    private final Duration minTtl;
    private final Duration maxTtl;
    private final InstantSource clock;

    private CertificateAuthority(Kind kind, Builder b, X509Certificate signingCert, PrivateKey signingKey,
                                 List<X509Certificate> intermediates, List<X509Certificate> roots) {
        this.kind = kind;
        this.directory = b.directory;
        this.trustDomain = b.trustDomain;
        this.signingCert = signingCert;
        this.signingKey = signingKey;
        this.intermediates = List.copyOf(intermediates);
        this.roots = List.copyOf(roots);
        this.minTtl = b.minTtl;
        this.maxTtl = b.maxTtl;
        this.clock = b.clock;
    }

    public static Builder builder() { return new Builder(); }

    /** {@code $XDG_STATE_HOME/ficus/ca}, else {@code ~/.local/state/ficus/ca}. */
    public static Path defaultDirectory() {
        return defaultDirectory(System.getenv(), System.getProperty("user.home"));
    }

    static Path defaultDirectory(Map<String, String> env, String userHome) {
        String state = env.get("XDG_STATE_HOME");
        Path base = state != null && !state.isBlank() && Path.of(state).isAbsolute() // the XDG spec ignores relative paths
                ? Path.of(state) : Path.of(userHome, ".local", "state");
        return base.resolve("ficus").resolve("ca");
    }

    public Kind kind() { return kind; }

    public Path directory() { return directory; }

    public String trustDomain() { return trustDomain; }

    /** The certificate that signs workload certificates: the root when generated, ca-cert.pem when plugged in. */
    public X509Certificate signingCertificate() { return signingCert; }

    /** The roots workloads trust. */
    public List<X509Certificate> trustBundle() { return roots; }

    public Duration minTtl() { return minTtl; }

    public Duration maxTtl() { return maxTtl; }

    /** The lifetime a request for {@code requested} gets: zero or null means the maximum, otherwise clamped to [min, max]. */
    public Duration effectiveTtl(Duration requested) {
        return clampTtl(requested, minTtl, maxTtl);
    }

    static Duration clampTtl(Duration requested, Duration min, Duration max) {
        if (requested == null || requested.isZero() || requested.isNegative()) return max;
        if (requested.compareTo(max) > 0) return max;
        if (requested.compareTo(min) < 0) return min;
        return requested;
    }

    /** {@link #sign(PKCS10CertificationRequest, SpiffeId, Duration)} of a CSR in PEM. */
    public List<X509Certificate> sign(String csrPem, SpiffeId identity, Duration requestedTtl) {
        PKCS10CertificationRequest csr;
        try {
            csr = Pem.decodeCsr(csrPem);
        } catch (IllegalArgumentException e) {
            throw new CsrRefusedException(CsrRefusedException.Reason.MALFORMED, "not a CSR: " + e.getMessage(), e);
        }
        return sign(csr, identity, requestedTtl);
    }

    /**
     * Issues a certificate for {@code identity} to the key in {@code csr}: the chain, leaf first.
     * The CSR must carry a valid signature (proof that the caller holds the key) and, if it names
     * URIs in its subjectAltName, exactly {@code identity}; anything else it asks for (subject,
     * DNS names, extensions) is ignored. The leaf lives {@link #effectiveTtl}, never past the CA's
     * own expiry.
     *
     * @throws CsrRefusedException  the CSR is refused (see its {@link CsrRefusedException#reason()})
     * @throws IllegalStateException the CA itself has expired or is not yet valid
     */
    public List<X509Certificate> sign(PKCS10CertificationRequest csr, SpiffeId identity, Duration requestedTtl) {
        if (!identity.trustDomain().equals(trustDomain)) {
            throw new IllegalArgumentException("this CA issues identities in trust domain " + trustDomain + ", not " + identity.trustDomain());
        }
        PublicKey key = verify(csr, identity);
        return issue(key, identity, new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, identity.uri())), requestedTtl);
    }

    /**
     * Issues the control plane's own certificate for its TLS sync port to a key it made itself (no
     * CSR crosses the network): {@code identity} as a URI SAN, plus the DNS names and IP addresses
     * proxies dial, so that they can check the host name as any TLS client does.
     */
    public List<X509Certificate> issueServer(PublicKey key, SpiffeId identity, List<String> dnsNames, List<java.net.InetAddress> addresses, Duration ttl) {
        List<GeneralName> names = new ArrayList<>();
        names.add(new GeneralName(GeneralName.uniformResourceIdentifier, identity.uri()));
        for (String d : dnsNames) names.add(new GeneralName(GeneralName.dNSName, d));
        for (java.net.InetAddress a : addresses) {
            names.add(new GeneralName(GeneralName.iPAddress, new org.bouncycastle.asn1.DEROctetString(a.getAddress())));
        }
        return issue(key, identity, new GeneralNames(names.toArray(GeneralName[]::new)), ttl);
    }

    private List<X509Certificate> issue(PublicKey key, SpiffeId identity, GeneralNames sans, Duration requestedTtl) {
        if (!identity.trustDomain().equals(trustDomain)) {
            throw new IllegalArgumentException("this CA issues identities in trust domain " + trustDomain + ", not " + identity.trustDomain());
        }
        Instant now = clock.instant();
        Instant caEnd = signingCert.getNotAfter().toInstant();
        if (!now.isBefore(caEnd)) {
            throw new IllegalStateException("the CA certificate " + describeSigning() + " expired at " + caEnd + "; see docs/security.md (CA rotation)");
        }
        if (now.isBefore(signingCert.getNotBefore().toInstant())) {
            throw new IllegalStateException("the CA certificate " + describeSigning() + " is not valid before " + signingCert.getNotBefore().toInstant());
        }
        Instant notAfter = now.plus(effectiveTtl(requestedTtl));
        if (notAfter.isAfter(caEnd)) notAfter = caEnd;
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(signingCert, serial(), Date.from(now.minus(CLOCK_SKEW)),
                    Date.from(notAfter), new X500Name(new RDN[0]), key)
                    // the subject is empty, so the SAN is critical (RFC 5280 4.2.1.6), as in Istio's certificates
                    .addExtension(Extension.subjectAlternativeName, true, sans)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment))
                    .addExtension(Extension.extendedKeyUsage, false,
                            new ExtendedKeyUsage(new KeyPurposeId[]{KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
                    .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(signingCert))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(key));
            X509Certificate leaf = new JcaX509CertificateConverter().getCertificate(b.build(signer(signingKey)));
            List<X509Certificate> chain = new ArrayList<>(1 + intermediates.size());
            chain.add(leaf);
            chain.addAll(intermediates);
            return List.copyOf(chain);
        } catch (CertIOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot issue a certificate for " + identity + ": " + e.getMessage(), e);
        }
    }

    private PublicKey verify(PKCS10CertificationRequest csr, SpiffeId identity) {
        PublicKey key;
        try {
            key = new JcaPKCS10CertificationRequest(csr).getPublicKey();
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new CsrRefusedException(CsrRefusedException.Reason.UNSUPPORTED_KEY, "the CSR's public key cannot be read: " + e.getMessage(), e);
        }
        switch (key) {
            case ECPublicKey ec when ec.getParams().getCurve().getField().getFieldSize() == 256
                    || ec.getParams().getCurve().getField().getFieldSize() == 384 -> { }
            case RSAPublicKey rsa when rsa.getModulus().bitLength() >= 2048 -> { }
            default -> throw new CsrRefusedException(CsrRefusedException.Reason.UNSUPPORTED_KEY,
                    "the CSR's key is " + describeKey(key) + "; use EC P-256 or P-384, or RSA of 2048 bits or more");
        }
        boolean valid;
        try {
            valid = csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(csr.getSubjectPublicKeyInfo()));
        } catch (OperatorCreationException | PKCSException | RuntimeException e) {
            valid = false;
        }
        if (!valid) {
            throw new CsrRefusedException(CsrRefusedException.Reason.BAD_SIGNATURE,
                    "the CSR's signature does not verify with the key it carries (altered, or not made with that key)");
        }
        List<String> uris;
        try {
            uris = WorkloadIdentity.requestedUris(csr);
        } catch (RuntimeException e) {
            throw new CsrRefusedException(CsrRefusedException.Reason.MALFORMED, "the CSR's extensionRequest cannot be read: " + e.getMessage(), e);
        }
        for (String uri : uris) {
            if (!uri.equals(identity.uri())) {
                throw new CsrRefusedException(CsrRefusedException.Reason.FOREIGN_IDENTITY,
                        "the CSR asks for " + uri + " but this workload's identity is " + identity.uri());
            }
        }
        return key;
    }

    private static String describeKey(PublicKey key) {
        return switch (key) {
            case ECPublicKey ec -> "EC of " + ec.getParams().getCurve().getField().getFieldSize() + " bits";
            case RSAPublicKey rsa -> "RSA of " + rsa.getModulus().bitLength() + " bits";
            default -> key.getAlgorithm();
        };
    }

    private String describeSigning() {
        return directory.resolve(kind == Kind.GENERATED ? ROOT_CERT : CA_CERT) + " (" + signingCert.getSubjectX500Principal().getName() + ")";
    }

    /** A random positive 128-bit serial (RFC 5280 allows up to 20 octets; randomness defeats collision attacks). */
    private static BigInteger serial() {
        return new BigInteger(128, RANDOM).setBit(127);
    }

    private static ContentSigner signer(PrivateKey key) throws GeneralSecurityException {
        try {
            return new JcaContentSignerBuilder(WorkloadIdentity.signatureAlgorithm(key)).build(key);
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- loading and generating

    private static CertificateAuthority open(Builder b) throws LoadException {
        Path dir = b.directory;
        if (Files.exists(dir.resolve(CA_CERT)) || Files.exists(dir.resolve(CA_KEY))) return plugIn(b);
        boolean cert = Files.exists(dir.resolve(ROOT_CERT));
        boolean key = Files.exists(dir.resolve(ROOT_KEY));
        if (cert && key) return loadGenerated(b);
        if (cert) {
            throw new LoadException(dir.resolve(ROOT_CERT) + " exists without " + ROOT_KEY + " beside it: ficus will not replace a root it cannot sign with. "
                    + "Put the root's key there, add " + CA_CERT + ", " + CA_KEY + " and " + CERT_CHAIN + " for a plug-in CA, or choose an empty directory");
        }
        if (key) {
            throw new LoadException(dir.resolve(ROOT_KEY) + " exists without " + ROOT_CERT + " beside it; restore the certificate, or remove the key to have a new root generated");
        }
        return generate(b);
    }

    private static CertificateAuthority plugIn(Builder b) throws LoadException {
        Path dir = b.directory;
        Path caCertFile = dir.resolve(CA_CERT);
        X509Certificate caCert = readCertificates(caCertFile, true).getFirst();
        PrivateKey caKey = readKey(dir.resolve(CA_KEY));
        List<X509Certificate> roots = readCertificates(dir.resolve(ROOT_CERT), false);
        List<X509Certificate> chain = readCertificates(dir.resolve(CERT_CHAIN), false);
        checkKeyMatches(caCert, caCertFile, caKey, dir.resolve(CA_KEY));
        if (caCert.getBasicConstraints() < 0) throw new LoadException(caCertFile + " is not a CA certificate (basicConstraints CA:FALSE or absent)");
        boolean[] ku = caCert.getKeyUsage();
        if (ku != null && !ku[5]) throw new LoadException(caCertFile + " may not sign certificates (its keyUsage lacks keyCertSign)");
        checkValidity(caCert, caCertFile, b.clock);
        if (!chain.getFirst().equals(caCert)) {
            throw new LoadException(dir.resolve(CERT_CHAIN) + " must begin with the certificate in " + CA_CERT + " (then its issuers up to the root); it begins with "
                    + chain.getFirst().getSubjectX500Principal().getName());
        }
        Set<X509Certificate> rootSet = Set.copyOf(roots);
        List<X509Certificate> path = chain.stream().filter(c -> !rootSet.contains(c)).toList();
        if (!path.isEmpty()) {
            try {
                PKIXParameters params = new PKIXParameters(roots.stream().map(r -> new TrustAnchor(r, null)).collect(Collectors.toSet()));
                params.setRevocationEnabled(false);
                params.setDate(Date.from(b.clock.instant()));
                CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509").generateCertPath(path), params);
            } catch (GeneralSecurityException e) {
                throw new LoadException(dir.resolve(CERT_CHAIN) + " does not chain to a root in " + dir.resolve(ROOT_CERT) + ": " + e.getMessage(), e);
            }
        }
        return new CertificateAuthority(Kind.PLUG_IN, b, caCert, caKey, path, roots);
    }

    private static CertificateAuthority loadGenerated(Builder b) throws LoadException {
        Path certFile = b.directory.resolve(ROOT_CERT);
        Path keyFile = b.directory.resolve(ROOT_KEY);
        X509Certificate root = readCertificates(certFile, true).getFirst();
        PrivateKey key = readKey(keyFile);
        checkKeyMatches(root, certFile, key, keyFile);
        checkValidity(root, certFile, b.clock);
        return new CertificateAuthority(Kind.GENERATED, b, root, key, List.of(), List.of(root));
    }

    private static CertificateAuthority generate(Builder b) throws LoadException {
        Path dir = b.directory;
        KeyPair keys = WorkloadIdentity.generateKeyPair();
        Instant now = b.clock.instant();
        X509Certificate root;
        try {
            X500Name name = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, b.trustDomain).addRDN(BCStyle.CN, ROOT_COMMON_NAME).build();
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder cb = new JcaX509v3CertificateBuilder(name, serial(), Date.from(now.minus(CLOCK_SKEW)),
                    Date.from(now.plus(ROOT_LIFETIME)), name, keys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
            root = new JcaX509CertificateConverter().getCertificate(cb.build(signer(keys.getPrivate())));
        } catch (CertIOException | GeneralSecurityException e) {
            throw new LoadException("cannot generate a root certificate: " + e.getMessage(), e);
        }
        try {
            createPrivateDirectory(dir);
            // the key first: a crash in between leaves a key without a certificate, which open() reports
            writeAtomically(dir.resolve(ROOT_KEY), Pem.encode(keys.getPrivate()), "rw-------");
            writeAtomically(dir.resolve(ROOT_CERT), Pem.encode(root), "rw-r--r--");
        } catch (IOException e) {
            throw new LoadException("cannot write the new CA to " + dir + ": " + e, e);
        }
        return new CertificateAuthority(Kind.GENERATED, b, root, keys.getPrivate(), List.of(), List.of(root));
    }

    private static boolean posix(Path dir) {
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix") && dir.getFileSystem().equals(FileSystems.getDefault());
    }

    private static void createPrivateDirectory(Path dir) throws IOException {
        if (Files.isDirectory(dir)) return;
        if (posix(dir)) {
            Path parent = dir.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } else {
            Files.createDirectories(dir);
        }
    }

    /** Written to a temporary file with its final mode, then renamed: never a half-written or world-readable key. */
    private static void writeAtomically(Path target, String content, String mode) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Set<PosixFilePermission> perms = PosixFilePermissions.fromString(mode);
        Path tmp = posix(dir)
                ? Files.createTempFile(dir, "." + target.getFileName(), ".tmp", PosixFilePermissions.asFileAttribute(perms))
                : Files.createTempFile(dir, "." + target.getFileName(), ".tmp", new FileAttribute<?>[0]);
        try {
            Files.writeString(tmp, content, StandardCharsets.US_ASCII);
            if (posix(dir)) Files.setPosixFilePermissions(tmp, perms); // createTempFile's attribute is masked by the umask
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static String read(Path file) throws LoadException {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw new LoadException(file + " is missing" + (file.getFileName().toString().equals(ROOT_CERT) || file.getFileName().toString().equals(CERT_CHAIN)
                    ? " (a plug-in CA needs " + CA_CERT + ", " + CA_KEY + ", " + ROOT_CERT + " and " + CERT_CHAIN + ")" : ""), e);
        } catch (AccessDeniedException e) {
            throw new LoadException(file + " cannot be read: permission denied", e);
        } catch (IOException e) {
            throw new LoadException(file + " cannot be read: " + e, e);
        }
    }

    private static List<X509Certificate> readCertificates(Path file, boolean exactlyOne) throws LoadException {
        String text = read(file);
        try {
            List<X509Certificate> certs = Pem.decodeCertificates(text);
            if (exactlyOne && certs.size() != 1) throw new LoadException(file + " holds " + certs.size() + " certificates; expected one");
            return certs;
        } catch (IllegalArgumentException e) {
            throw new LoadException(file + ": " + e.getMessage(), e);
        }
    }

    private static PrivateKey readKey(Path file) throws LoadException {
        String text = read(file);
        try {
            return Pem.decodePrivateKey(text);
        } catch (IllegalArgumentException e) {
            throw new LoadException(file + ": " + e.getMessage(), e);
        }
    }

    private static void checkKeyMatches(X509Certificate cert, Path certFile, PrivateKey key, Path keyFile) throws LoadException {
        boolean matches;
        try {
            byte[] probe = new byte[32];
            RANDOM.nextBytes(probe);
            String alg = WorkloadIdentity.signatureAlgorithm(key);
            Signature s = Signature.getInstance(alg);
            s.initSign(key);
            s.update(probe);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg);
            v.initVerify(cert.getPublicKey());
            v.update(probe);
            matches = v.verify(sig);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            matches = false;
        }
        if (!matches) throw new LoadException(keyFile + " is not the key of the certificate in " + certFile);
    }

    private static void checkValidity(X509Certificate cert, Path file, InstantSource clock) throws LoadException {
        Instant now = clock.instant();
        if (!now.isBefore(cert.getNotAfter().toInstant())) {
            throw new LoadException(file + " expired at " + cert.getNotAfter().toInstant()
                    + "; workloads cannot get certificates from it. Replace it (see docs/security.md, CA rotation)");
        }
        if (now.isBefore(cert.getNotBefore().toInstant())) {
            throw new LoadException(file + " is not valid before " + cert.getNotBefore().toInstant() + " (is this machine's clock right?)");
        }
    }

    /** How to open a CA; {@link #open()} generates or loads it. */
    public static final class Builder {
        private Path directory = defaultDirectory();
        private String trustDomain = DEFAULT_TRUST_DOMAIN;
        private Duration minTtl = DEFAULT_MIN_TTL;
        private Duration maxTtl = DEFAULT_MAX_TTL;
        private InstantSource clock = InstantSource.system();

        private Builder() {
        }

        public Builder directory(Path d) { this.directory = Objects.requireNonNull(d); return this; }

        public Builder trustDomain(String td) {
            new SpiffeId(td, "ns", "sa"); // validates, with a message fit for a user
            this.trustDomain = td;
            return this;
        }

        /** Certificate lifetimes: requests are clamped to [min, max]; a request without one gets max. */
        public Builder ttl(Duration min, Duration max) {
            if (min.isNegative() || min.isZero() || max.compareTo(min) < 0) throw new IllegalArgumentException("need 0 < min TTL <= max TTL, got " + min + " and " + max);
            this.minTtl = min;
            this.maxTtl = max;
            return this;
        }

        public Builder clock(InstantSource c) { this.clock = Objects.requireNonNull(c); return this; }

        /**
         * Loads the CA in the directory: a plug-in CA when {@code ca-cert.pem} is there, else the
         * generated root, generated now if the directory holds neither.
         */
        public CertificateAuthority open() throws LoadException { return CertificateAuthority.open(this); }
    }
}
