package dev.ficus.xds.ca;

import dev.ficus.api.SpiffeId;
import dev.ficus.xds.sync.Node;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import dev.ficus.xds.sync.ControlChannel;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The proxy's half of workload certificates: keeps one workload's X.509 SVID fresh. It generates
 * a key pair (which never leaves the process), sends a CSR to the control plane's
 * {@link CertificateService#SIGN}, checks what comes back (the leaf carries its public key and the
 * SPIFFE ID asked for, and chains to the roots sent) and publishes it as a {@link Bundle}. It
 * renews at half of the remaining lifetime with a new key; when renewal fails it retries with
 * jittered exponential backoff and keeps serving the old bundle until that expires.
 *
 * <p>Over the TLS sync port ({@link Builder#tls}) the first request carries the bootstrap token and
 * every later one is authenticated by the certificate it renews (the channel presents the current
 * one at each handshake); once that certificate has expired the token is sent again, if the proxy
 * has one.
 *
 * <p>Requests and bookkeeping run on the client's scheduler (its own daemon thread unless one is
 * given), never on an event loop; listeners are called there too.
 */
public final class CertificateClient implements AutoCloseable {

    /**
     * What a workload presents and trusts: its key, its chain (leaf first, up to but not including
     * the root) and the roots of the mesh. Immutable; a renewal publishes a new one.
     */
    public record Bundle(PrivateKey key, List<X509Certificate> chain, List<X509Certificate> roots, Instant notAfter) {
        public Bundle {
            Objects.requireNonNull(key, "key");
            chain = List.copyOf(chain);
            roots = List.copyOf(roots);
            Objects.requireNonNull(notAfter, "notAfter");
            if (chain.isEmpty()) throw new IllegalArgumentException("empty certificate chain");
        }

        public X509Certificate leaf() { return chain.getFirst(); }

        public boolean expiredAt(Instant t) { return !t.isBefore(notAfter); }
    }

    private final Node node;
    private final String workload;
    private volatile SpiffeId identity; // null until the CA names it, when the client did not ask for one
    private final Duration ttl;
    private final InstantSource clock;
    private final ScheduledExecutorService scheduler;
    private final boolean ownScheduler;
    private final ManagedChannel channel;
    private final boolean ownChannel;
    private final String bootstrapToken; // null: none (plaintext, or renewal by certificate only)
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final Duration callTimeout;
    private final Consumer<String> log;
    private final List<Consumer<Bundle>> listeners = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Bundle> first = new CompletableFuture<>();
    private final CompletableFuture<Void> settled = new CompletableFuture<>();

    // written by one request chain at a time (scheduled tasks never overlap), read from anywhere
    private volatile Bundle current;
    private volatile String lastError;
    private volatile Instant nextAttempt;
    private volatile boolean closed;
    private volatile ScheduledFuture<?> pending;
    private int failures;

    private CertificateClient(Builder b) {
        this.node = Objects.requireNonNull(b.node, "node");
        this.identity = b.identity;
        this.namespace = b.identity != null ? b.identity.namespace() : b.node == null ? null : b.node.namespace();
        this.workload = b.workload;
        this.ttl = b.ttl;
        this.clock = b.clock;
        this.log = b.log;
        this.initialBackoff = b.initialBackoff;
        this.maxBackoff = b.maxBackoff;
        this.callTimeout = b.callTimeout;
        this.ownScheduler = b.scheduler == null;
        this.scheduler = ownScheduler ? Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ficus-cert-client");
            t.setDaemon(true);
            return t;
        }) : b.scheduler;
        this.ownChannel = b.channel == null;
        if (ownChannel) {
            if (b.host == null) throw new IllegalArgumentException("neither control(host, port) nor channel(...) given");
            this.channel = ControlChannel.open(b.host, b.port, b.tls, this::clientKey, CertificateService.MAX_MESSAGE_BYTES, false);
        } else {
            this.channel = b.channel;
        }
        this.bootstrapToken = b.tls == null ? null : b.tls.bootstrapToken();
    }

    /** What the channel presents at a TLS handshake: the certificate in force, if any. */
    private ControlChannel.ClientKey clientKey() {
        return current().map(x -> new ControlChannel.ClientKey(x.key(), x.chain())).orElse(null);
    }

    public static Builder builder() { return new Builder(); }

    /** The bundle in force: empty before the first certificate arrives and once the last one expired. */
    public Optional<Bundle> current() {
        Bundle b = current;
        return b == null || b.expiredAt(clock.instant()) ? Optional.empty() : Optional.of(b);
    }

    /** Completes with the first bundle received. */
    public CompletableFuture<Bundle> first() { return first; }

    /**
     * Completes when waiting for a certificate makes sense no more: the first one arrived, or the
     * control plane said that it signs none on this port (UNIMPLEMENTED: a plaintext port without
     * {@code --insecure-plaintext-ca}). What a proxy's readiness waits for; requests go on either way.
     */
    public CompletableFuture<Void> settled() { return settled; }

    /** Before the first certificate a retry comes within this, whatever the maximum backoff: a proxy waits for it to be ready. */
    static final Duration FIRST_MAX_BACKOFF = Duration.ofSeconds(5);

    /**
     * Called with every new bundle, on the client's thread, before the bundle is logged; a listener
     * added after the first bundle arrived is called at once, on the caller's thread, with the current one.
     */
    public void addListener(Consumer<Bundle> listener) {
        listeners.add(Objects.requireNonNull(listener));
        Optional<Bundle> now = current();
        now.ifPresent(b -> notify(listener, b)); // at once: a certificate already issued is in use when this returns
    }

    /** Why the last request failed, or null after a success. */
    public String lastError() { return lastError; }

    /** When the next request (renewal or retry) is due. */
    public Instant nextAttempt() { return nextAttempt; }

    private final String namespace;

    /** The identity this client asks for (or, when it asked for none, the one the CA gave it; null before). */
    public SpiffeId identity() { return identity; }

    private CertificateClient started() {
        nextAttempt = clock.instant();
        pending = scheduler.schedule(this::request, 0, TimeUnit.MILLISECONDS);
        return this;
    }

    private void request() {
        if (closed) return;
        if (failures > 0) channel.resetConnectBackoff(); // as SyncClient: our backoff, not the channel's (up to 2 minutes)
        try {
            KeyPair keys = WorkloadIdentity.generateKeyPair();
            SpiffeId id = identity;
            SignRequest req = new SignRequest(id == null ? WorkloadIdentity.csrPem(keys) : WorkloadIdentity.csrPem(keys, id), node, workload, namespace,
                    ttl == null ? 0 : ttl.toSeconds());
            // the token only while no valid certificate can speak for this workload
            io.grpc.Channel via = bootstrapToken != null && current().isEmpty() ? ControlChannel.withToken(channel, bootstrapToken) : channel;
            var call = via.newCall(CertificateService.SIGN, CallOptions.DEFAULT.withDeadlineAfter(callTimeout.toMillis(), TimeUnit.MILLISECONDS));
            ClientCalls.asyncUnaryCall(call, req, new StreamObserver<>() {
                private SignResponse response;
                @Override public void onNext(SignResponse r) { response = r; }
                @Override public void onError(Throwable t) {
                    Status st = Status.fromThrowable(t);
                    if (st.getCode() == Status.Code.UNIMPLEMENTED) settled.complete(null); // no CA on this port: nothing to wait for
                    execute(() -> failed(describe(st)));
                }
                @Override public void onCompleted() { SignResponse r = response; execute(() -> received(keys, r)); }
            });
        } catch (RuntimeException e) {
            failed("cannot send a certificate request: " + e); // the renewal chain must not die with the task
        }
    }

    private void execute(Runnable r) {
        if (closed) return;
        try {
            scheduler.execute(r);
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    private void received(KeyPair keys, SignResponse r) {
        Bundle b;
        try {
            b = check(keys, r);
        } catch (IllegalArgumentException e) {
            failed("the control plane sent an unusable certificate: " + e.getMessage());
            return;
        }
        Instant now = clock.instant();
        boolean firstOne = current == null;
        current = b;
        failures = 0;
        lastError = null;
        // half of the lifetime left from now: a notBefore backdated for clock skew does not bring renewal forward
        Duration untilRenewal = Duration.between(now, b.notAfter()).dividedBy(2);
        schedule(untilRenewal);
        listeners.forEach(l -> notify(l, b)); // installed first: once the line is logged, connections use the certificate
        log.accept((firstOne ? "certificate issued for " : "certificate renewed for ") + identity.uri()
                + ", valid until " + b.notAfter() + "; renewing at " + nextAttempt);
        first.complete(b);
        settled.complete(null);
    }

    private Bundle check(KeyPair keys, SignResponse r) {
        if (r == null || r.certChainPem().isEmpty()) throw new IllegalArgumentException("no certificate");
        List<X509Certificate> chain = r.certChainPem().stream().flatMap(p -> Pem.decodeCertificates(p).stream()).toList();
        List<X509Certificate> roots = r.trustBundlePem().stream().flatMap(p -> Pem.decodeCertificates(p).stream()).toList();
        if (roots.isEmpty()) throw new IllegalArgumentException("no trust bundle");
        X509Certificate leaf = chain.getFirst();
        if (!leaf.getPublicKey().equals(keys.getPublic())) throw new IllegalArgumentException("the certificate is not for the key this proxy sent");
        Optional<SpiffeId> got = WorkloadIdentity.spiffeId(leaf);
        if (identity == null) { // asked for none: the CA's choice, which later renewals ask for by name
            if (got.isEmpty()) throw new IllegalArgumentException("the certificate names no SPIFFE ID");
            identity = got.get();
        }
        if (!got.equals(Optional.of(identity))) {
            throw new IllegalArgumentException("the certificate names " + got.map(SpiffeId::uri).orElse("no SPIFFE ID") + ", not " + identity.uri());
        }
        try {
            PKIXParameters params = new PKIXParameters(roots.stream().map(c -> new TrustAnchor(c, null)).collect(Collectors.toSet()));
            params.setRevocationEnabled(false);
            params.setDate(Date.from(clock.instant()));
            CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509").generateCertPath(chain), params);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("the chain does not verify against the trust bundle: " + e.getMessage(), e);
        }
        return new Bundle(keys.getPrivate(), chain, roots, leaf.getNotAfter().toInstant());
    }

    private void failed(String error) {
        if (closed) return;
        lastError = error;
        long max = current == null ? Math.min(maxBackoff.toMillis(), FIRST_MAX_BACKOFF.toMillis()) : maxBackoff.toMillis();
        long cap = Math.min(max, initialBackoff.toMillis() << Math.min(failures, 16));
        failures++;
        long delay = ThreadLocalRandom.current().nextLong(Math.max(1, cap / 2), cap + 1); // jitter: a CA restart is not met by a herd
        Bundle b = current;
        Instant now = clock.instant();
        String keeping = b == null ? "no certificate yet"
                : b.expiredAt(now) ? "the certificate expired at " + b.notAfter() + "; mTLS for this workload fails until renewal succeeds"
                : "keeping the current certificate (valid until " + b.notAfter() + ")";
        if (failures == 1 || failures % 20 == 0) log.accept("certificate request for " + (identity == null ? "workload " + workload : identity.uri()) + " failed: " + error + "; " + keeping + "; retrying");
        schedule(Duration.ofMillis(delay));
    }

    private void schedule(Duration delay) {
        nextAttempt = clock.instant().plus(delay);
        try {
            pending = scheduler.schedule(this::request, Math.max(0, delay.toMillis()), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    private void notify(Consumer<Bundle> l, Bundle b) {
        try {
            l.accept(b);
        } catch (RuntimeException e) {
            log.accept("certificate listener failed: " + e);
        }
    }

    private static String describe(Status s) {
        return s.getCode() + (s.getDescription() == null ? "" : ": " + s.getDescription())
                + (s.getCause() != null && s.getDescription() == null ? ": " + s.getCause().getMessage() : "");
    }

    /** Stops renewing; the bundle already handed out stays valid until it expires. */
    @Override
    public void close() {
        closed = true;
        ScheduledFuture<?> p = pending;
        if (p != null) p.cancel(false);
        if (ownScheduler) {
            scheduler.shutdownNow();
            try {
                scheduler.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (ownChannel) channel.shutdownNow();
    }

    public static final class Builder {
        private String host;
        private int port;
        private ManagedChannel channel;
        private ControlChannel.Tls tls;
        private Node node;
        private String workload;
        private SpiffeId identity;
        private Duration ttl;
        private InstantSource clock = InstantSource.system();
        private ScheduledExecutorService scheduler;
        private Duration initialBackoff = Duration.ofSeconds(1);
        private Duration maxBackoff = Duration.ofSeconds(30);
        private Duration callTimeout = Duration.ofSeconds(10);
        private Consumer<String> log = s -> {};

        private Builder() {
        }

        /** The control plane's sync port; the client owns the channel it opens. */
        public Builder control(String host, int port) { this.host = Objects.requireNonNull(host); this.port = port; return this; }

        /**
         * Talk to the control plane's TLS sync port ({@link #control}): its certificate must chain to
         * the roots given; the first request carries the bootstrap token, renewals the certificate.
         */
        public Builder tls(ControlChannel.Tls t) { this.tls = Objects.requireNonNull(t); return this; }

        /** A channel the caller owns (the sync client's, say); it is not shut down on close. */
        public Builder channel(ManagedChannel c) { this.channel = Objects.requireNonNull(c); return this; }

        public Builder node(Node n) { this.node = Objects.requireNonNull(n); return this; }

        /** The WorkloadEntry the certificate is for; null for a gateway known by its labels. */
        public Builder workload(String w) { this.workload = w; return this; }

        /** The identity (trust domain, namespace, service account) to ask for; without one the CA names it (from the workload the node serves). */
        public Builder identity(SpiffeId id) { this.identity = Objects.requireNonNull(id); return this; }

        /** The lifetime to ask for; the CA caps it. Default: the CA's. */
        public Builder ttl(Duration d) { this.ttl = d; return this; }

        public Builder clock(InstantSource c) { this.clock = Objects.requireNonNull(c); return this; }

        /** Where requests run; not shut down on close. Default: a daemon thread of the client's own. */
        public Builder scheduler(ScheduledExecutorService s) { this.scheduler = Objects.requireNonNull(s); return this; }

        /** Retry waits double from {@code initial} to {@code max}, each drawn between half and all of it (1 s to 30 s). */
        public Builder backoff(Duration initial, Duration max) {
            if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) throw new IllegalArgumentException("need 0 < initial <= max");
            this.initialBackoff = initial;
            this.maxBackoff = max;
            return this;
        }

        public Builder callTimeout(Duration d) { this.callTimeout = Objects.requireNonNull(d); return this; }

        /** One line per certificate issued, renewed or failing (the first failure and every 20th). */
        public Builder log(Consumer<String> l) { this.log = Objects.requireNonNull(l); return this; }

        /** Starts requesting at once. */
        public CertificateClient start() { return new CertificateClient(this).started(); }
    }
}
