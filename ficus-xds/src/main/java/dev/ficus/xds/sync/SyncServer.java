package dev.ficus.xds.sync;

import dev.ficus.xds.snapshot.ProxySnapshot;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Drainable;
import io.grpc.Grpc;
import io.grpc.KnownLength;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The control plane's half of the sync protocol. Every stream is a session whose state (what the
 * proxy holds after its last ACK, the push in flight) lives on one push thread, so sessions need
 * no locks and a slow or failing proxy never holds up another.
 *
 * <p>A push to a session sends only the resources whose hash differs from what the proxy ACKed
 * and names the ones removed. Finding them encodes and compares what changed, not the whole
 * snapshot: a proxy that holds a snapshot it took from us is diffed against it part by part, and
 * the parts that are the same objects in both are passed over after a reference comparison
 * ({@link SnapshotResources.Encoder#diff}); each resource object is encoded and hashed once. At most one push is in flight per session, and changes that arrive
 * meanwhile are coalesced into the next. A NACK leaves the proxy on its previous version: the
 * session forgets the refused push, records the error (see {@link #status()}) and tries again on
 * the next change. {@link #push()} is debounced: a change after a quiet spell goes at once, and
 * the changes that follow it closely are pushed together once they are quiet.
 *
 * <p>Pushes not yet ACKed may hold at most {@link #MAX_IN_FLIGHT_BYTES} between them (one push
 * always may go): the rest wait their turn and go as ACKs come in. A thousand proxies each owed
 * several megabytes would otherwise sit in the transport's buffers all at once.
 *
 * <p>The same services listen on a plaintext port and, with {@link Builder#tls}, on a TLS port;
 * each call sees which one it came on and what the client proved ({@link #caller()}), and an
 * {@link Authorizer} decides on each hello whether that proxy may have its stream.
 */
public final class SyncServer implements AutoCloseable {

    /** Computes what one proxy should serve; called on the push thread. */
    public interface SnapshotSource {
        /**
         * The snapshot for {@code node}; an {@link IllegalArgumentException} (say, an unknown
         * workload) ends that proxy's stream with its message, and the proxy retries.
         */
        ProxySnapshot snapshotFor(Node node);

        /**
         * Called at the start of a push round with the nodes it will serve, before any
         * {@link #snapshotFor}: a source may compute their snapshots ahead, in parallel.
         */
        default void prepare(List<Node> nodes) {}
    }

    /** What happens to sessions, for metrics and logs; called on the push thread. */
    public interface Events {
        default void connected(ProxyStatus s) {}
        default void pushed(ProxyStatus s, int resources, int removed) {}
        /** {@code sinceChange}: from the config change that caused the push to this ACK. */
        default void acked(ProxyStatus s, Duration sinceChange) {}
        default void nacked(ProxyStatus s, String error) {}
        default void disconnected(ProxyStatus s) {}
        Events NONE = new Events() {};
    }

    /**
     * Decides whether a proxy may have the sync stream it opened, from what its connection proved
     * ({@link Caller}) and the node it names; called on the push thread when the hello arrives.
     */
    @FunctionalInterface
    public interface Authorizer {
        /** OK to serve the stream; any other status ends it with that status (UNAUTHENTICATED, PERMISSION_DENIED …). */
        Status authorize(Node node, Caller caller);
        Authorizer ANYONE = (node, caller) -> Status.OK;
    }

    /**
     * Who is calling, as the transport knows it: the address, whether the connection is TLS (the TLS
     * sync port), the client certificate chain it verified (leaf first; empty when none was
     * presented) and the bearer token of the call's {@code authorization} metadata (or null).
     */
    public record Caller(SocketAddress address, boolean tls, List<java.security.cert.X509Certificate> peerChain, String bearerToken) {
        public Caller {
            peerChain = peerChain == null ? List.of() : List.copyOf(peerChain);
        }
    }

    /** One connected proxy as {@code ficus status} shows it. */
    public record ProxyStatus(String id, Node node, String peer, Instant connectedAt, String ackedVersion,
                              String pendingVersion, long pushes, long acks, long nacks, String lastNack,
                              String lastNackVersion, Instant lastAckAt) {
    }

    private final Server server;
    private final Server tlsServer; // null: no TLS sync port
    private final Authorizer authorizer;
    private final SnapshotSource source;
    private final Events events;
    private final Duration debounce;
    private final Duration maxDelay;
    private final ScheduledExecutorService pushThread;
    private final Map<Session, Boolean> sessions = new LinkedHashMap<>(); // push thread only
    private ScheduledFuture<?> scheduled; // push thread only
    private Instant burstStart; // push thread only: first change not yet pushed
    private Instant lastChange; // push thread only: when push() was last called
    private Instant changeAt = Instant.now(); // push thread only: the change the latest round carries
    private final SnapshotResources.Encoder encoder = new SnapshotResources.Encoder(); // push thread only
    private Round current = new Round(); // push thread only: shared by hellos and ACKs until the next round
    private long nonces;
    /** Bytes of pushes sent and not yet answered, over all sessions, above which further pushes wait. */
    static final long MAX_IN_FLIGHT_BYTES = 64L << 20;
    private long inFlightBytes; // push thread only
    private final ArrayDeque<Session> waiting = new ArrayDeque<>(); // push thread only: owed a push that did not fit

    private SyncServer(Builder b) throws IOException {
        this.source = Objects.requireNonNull(b.source, "source");
        this.authorizer = b.authorizer;
        this.events = b.events;
        this.debounce = b.debounce;
        this.maxDelay = b.maxDelay;
        this.pushThread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ficus-sync-push");
            t.setDaemon(true);
            return t;
        });
        ServerServiceDefinition service = ServerServiceDefinition.builder(SyncMessages.SERVICE)
                .addMethod(PUSH_STREAM, ServerCalls.asyncBidiStreamingCall(this::open))
                .build();
        this.server = listen(b.host, b.port, null, service, b.services);
        Server tls = null;
        if (b.tlsContext != null) {
            try {
                tls = listen(b.tlsHost, b.tlsPort, b.tlsContext, service, b.services);
            } catch (IOException | RuntimeException e) {
                server.shutdownNow();
                throw e;
            }
        }
        this.tlsServer = tls;
    }

    /** One gRPC server (the plaintext port, or the TLS port with {@code tls}) serving the same services. */
    private static Server listen(String host, int port, io.netty.handler.ssl.SslContext tls, ServerServiceDefinition sync,
                                 List<ServerServiceDefinition> extra) throws IOException {
        NettyServerBuilder nb = NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
                .addService(ServerInterceptors.intercept(sync, new PeerInterceptor()));
        for (ServerServiceDefinition s : extra) nb.addService(ServerInterceptors.intercept(s, new PeerInterceptor()));
        if (tls != null) nb.sslContext(tls);
        return nb
                .maxInboundMessageSize(SyncMessages.MAX_MESSAGE_BYTES)
                .permitKeepAliveTime(5, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true)
                .build()
                .start();
    }

    public static Builder builder() { return new Builder(); }

    /** The port the server listens on (useful with port 0). */
    public int port() { return ((InetSocketAddress) server.getListenSockets().getFirst()).getPort(); }

    /** The TLS sync port, or -1 when there is none. */
    public int tlsPort() { return tlsServer == null ? -1 : ((InetSocketAddress) tlsServer.getListenSockets().getFirst()).getPort(); }

    /**
     * A push round to every session: at once when nothing changed during the debounce period
     * before, else once the changes have been quiet for the debounce period (at most
     * {@code maxDelay} after the first of them). A lone change waits for nothing; a burst costs
     * its first change's round and one more for the rest. Any thread.
     */
    public void push() {
        Instant now = Instant.now();
        pushThread.execute(() -> {
            boolean quiet = lastChange == null || !now.isBefore(lastChange.plus(debounce));
            lastChange = now;
            if (quiet && burstStart == null && scheduled == null) {
                burstStart = now;
                pushRound();
                return;
            }
            if (burstStart == null) burstStart = now;
            if (scheduled != null) scheduled.cancel(false);
            Duration left = Duration.between(Instant.now(), burstStart.plus(maxDelay));
            Duration wait = left.compareTo(debounce) < 0 ? (left.isNegative() ? Duration.ZERO : left) : debounce;
            scheduled = pushThread.schedule(this::pushRound, wait.toNanos(), TimeUnit.NANOSECONDS);
        });
    }

    /** The sessions as they are now, in connection order. */
    public List<ProxyStatus> status() {
        return onPushThread(() -> sessions.keySet().stream().map(Session::status).toList());
    }

    private <T> T onPushThread(Callable<T> c) {
        try {
            return pushThread.submit(c).get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(e);
        }
    }

    private void pushRound() {
        scheduled = null;
        changeAt = burstStart == null ? Instant.now() : burstStart;
        burstStart = null;
        encoder.nextRound();
        Round round = current = new Round();
        List<Node> nodes = new ArrayList<>(sessions.size());
        for (Session s : sessions.keySet()) if (s.node != null) nodes.add(s.node);
        try {
            source.prepare(nodes);
        } catch (RuntimeException e) {
            // each session meets the problem again in snapshotFor, and reports it there
        }
        for (Session s : new ArrayList<>(sessions.keySet())) {
            s.dirty = true;
            s.changeAt = changeAt;
            s.maybePush(round);
        }
    }

    /**
     * What one push round computes once and shares: each distinct snapshot's resources, and the
     * delta between two snapshots (proxies of one identity hold the same snapshot, so a thousand
     * of them cost one diff). Proxies that connect or ACK before the next round share it too: a
     * thousand proxies connecting at once cost one encoding per snapshot, not one each.
     */
    private final class Round {
        final Map<ProxySnapshot, Map<ResourceKey, WireResource>> encoded = new IdentityHashMap<>();
        final Map<ProxySnapshot, Map<ProxySnapshot, Delta>> deltas = new IdentityHashMap<>();
        final Map<ProxySnapshot, Delta> fresh = new IdentityHashMap<>(); // to a proxy that holds nothing

        Map<ResourceKey, WireResource> resources(ProxySnapshot s) {
            return encoded.computeIfAbsent(s, encoder::split);
        }

        /**
         * From what a proxy holds to {@code to}: {@code from}, the snapshot it took from us, is
         * diffed structurally (only the parts that changed are looked at); a proxy that has taken
         * nothing since its hello is diffed against the hashes it named, {@code helloHeld}.
         */
        Delta delta(ProxySnapshot from, Map<ResourceKey, String> helloHeld, ProxySnapshot to) {
            if (from != null) return deltas.computeIfAbsent(from, k -> new IdentityHashMap<>()).computeIfAbsent(to, k -> encoder.diff(from, to));
            if (helloHeld.isEmpty()) return fresh.computeIfAbsent(to, k -> Delta.of(helloHeld, resources(to)));
            return Delta.of(helloHeld, resources(to));
        }
    }

    private StreamObserver<SyncRequest> open(StreamObserver<EncodedPush> out) {
        ServerCallStreamObserver<EncodedPush> call = (ServerCallStreamObserver<EncodedPush>) out;
        Session s = new Session(call);
        call.setOnCancelHandler(() -> pushThread.execute(s::gone));
        return new StreamObserver<>() {
            @Override public void onNext(SyncRequest r) { pushThread.execute(() -> s.received(r)); }
            @Override public void onError(Throwable t) { pushThread.execute(s::gone); }
            @Override public void onCompleted() {
                pushThread.execute(() -> {
                    s.gone();
                    s.closeQuietly(Status.OK);
                });
            }
        };
    }

    /** One proxy's stream; every method runs on the push thread. */
    private final class Session {
        final ServerCallStreamObserver<EncodedPush> out;
        final String peer;
        final Caller caller;
        final Instant connectedAt = Instant.now();
        Node node;
        // What the proxy holds: the resources of held, the snapshot it last took from us; before
        // that, the hashes its hello named (helloHeld).
        ProxySnapshot held;
        Map<ResourceKey, String> helloHeld = Map.of();
        String ackedVersion = "";
        String inFlightVersion;
        String inFlightNonce;
        ProxySnapshot inFlightSnapshot;
        boolean dirty;
        boolean closed;
        boolean queued; // in waiting
        long inFlightSize; // bytes of the push in flight
        Instant changeAt = Instant.now();
        long pushes, acks, nacks;
        String lastNack, lastNackVersion;
        Instant lastAckAt;

        Session(ServerCallStreamObserver<EncodedPush> out) {
            this.out = out;
            this.caller = CALLER.get();
            SocketAddress remote = caller == null ? null : caller.address();
            this.peer = remote instanceof InetSocketAddress i ? i.getAddress().getHostAddress() + ":" + i.getPort()
                    : remote == null ? "" : remote.toString();
        }

        ProxyStatus status() {
            return new ProxyStatus(node == null ? "(hello pending)" : node.id(), node, peer, connectedAt, ackedVersion,
                    inFlightVersion, pushes, acks, nacks, lastNack, lastNackVersion, lastAckAt);
        }

        void received(SyncRequest r) {
            if (closed) return;
            if (node == null) {
                if (r.node() == null) {
                    closeQuietly(Status.INVALID_ARGUMENT.withDescription("the first request must carry the node"));
                    return;
                }
                Status allowed;
                try {
                    allowed = caller == null ? Status.OK : authorizer.authorize(r.node(), caller);
                } catch (RuntimeException e) {
                    allowed = Status.INTERNAL.withDescription("cannot authorize this proxy: " + e);
                }
                if (!allowed.isOk()) {
                    closeQuietly(allowed);
                    closed = true;
                    return;
                }
                node = r.node();
                ackedVersion = r.versionInfo();
                Map<ResourceKey, String> known = new HashMap<>();
                for (var e : r.known().entrySet()) {
                    ResourceKey k = parseKey(e.getKey());
                    if (k != null) known.put(k, e.getValue());
                }
                helloHeld = known;
                sessions.put(this, Boolean.TRUE);
                events.connected(status());
                dirty = true;
                changeAt = Instant.now();
                maybePush(current);
                return;
            }
            if (inFlightNonce == null || !inFlightNonce.equals(r.responseNonce())) return; // stale answer to an older push
            if (r.isNack()) {
                nacks++;
                lastNack = r.errorDetail();
                lastNackVersion = inFlightVersion;
                events.nacked(status(), r.errorDetail());
            } else {
                acks++;
                held = inFlightSnapshot;
                helloHeld = Map.of();
                ackedVersion = inFlightVersion;
                lastAckAt = Instant.now();
                lastNack = null; // the count of NACKs stays; the error is history once a later push is taken
                lastNackVersion = null;
                events.acked(status(), Duration.between(changeAt, lastAckAt));
            }
            inFlightNonce = null;
            inFlightVersion = null;
            inFlightSnapshot = null;
            release();
            if (dirty) maybePush(current);
        }

        /** The push in flight is answered or lost: its bytes make room for those waiting. */
        void release() {
            inFlightBytes -= inFlightSize;
            inFlightSize = 0;
            while (!waiting.isEmpty() && inFlightBytes < MAX_IN_FLIGHT_BYTES) {
                Session next = waiting.poll();
                next.queued = false;
                next.dirty = true;
                next.maybePush(current);
                if (next.queued) break; // still does not fit
            }
        }

        void maybePush(Round round) {
            if (closed || node == null || inFlightNonce != null || !dirty) return;
            dirty = false;
            ProxySnapshot snap;
            try {
                snap = source.snapshotFor(node);
            } catch (IllegalArgumentException e) {
                closeQuietly(Status.NOT_FOUND.withDescription(e.getMessage()));
                gone();
                return;
            } catch (RuntimeException e) {
                closeQuietly(Status.INTERNAL.withDescription("cannot compute this proxy's config: " + e));
                gone();
                return;
            }
            if (snap == held && snap.version().equals(ackedVersion)) return;
            Delta d = round.delta(held, helloHeld, snap);
            if (d.isEmpty() && snap.version().equals(ackedVersion)) { // it holds snap's resources already
                held = snap;
                helloHeld = Map.of();
                return;
            }
            long size = d.json().length;
            if (inFlightBytes > 0 && inFlightBytes + size > MAX_IN_FLIGHT_BYTES) {
                dirty = true; // computed again when its turn comes: a newer round may have changed it
                if (!queued) waiting.add(this);
                queued = true;
                return;
            }
            String nonce = Long.toString(++nonces, 36);
            inFlightNonce = nonce;
            inFlightVersion = snap.version();
            inFlightSnapshot = snap;
            if (queued) {
                waiting.remove(this);
                queued = false;
            }
            pushes++;
            inFlightSize = size;
            inFlightBytes += size;
            try {
                out.onNext(new EncodedPush(snap.version(), nonce, d.json(), d.removed()));
            } catch (RuntimeException e) { // the stream went away under us
                gone();
                return;
            }
            events.pushed(status(), d.changed().size(), d.removed().size());
        }

        void gone() {
            if (closed) return;
            closed = true;
            if (queued) waiting.remove(this);
            release();
            if (sessions.remove(this) != null) events.disconnected(status());
        }

        void closeQuietly(Status st) {
            try {
                if (st.isOk()) out.onCompleted();
                else out.onError(st.asRuntimeException());
            } catch (RuntimeException ignored) {
                // already closed by the peer
            }
        }
    }

    private static ResourceKey parseKey(String s) {
        int slash = s.indexOf('/');
        if (slash < 0) return null;
        try {
            return new ResourceKey(ResourceType.valueOf(s.substring(0, slash)), s.substring(slash + 1));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Stops accepting streams and ends the open ones; proxies keep serving what they have. */
    @Override
    public void close() {
        server.shutdownNow();
        if (tlsServer != null) tlsServer.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
            if (tlsServer != null) tlsServer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        pushThread.shutdownNow();
    }

    /** Where to listen, what to serve. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 15010;
        private SnapshotSource source;
        private Events events = Events.NONE;
        private Duration debounce = Duration.ofMillis(100);
        private Duration maxDelay = Duration.ofSeconds(1);
        private final List<ServerServiceDefinition> services = new ArrayList<>();
        private String tlsHost = "127.0.0.1";
        private int tlsPort = 15012;
        private io.netty.handler.ssl.SslContext tlsContext;
        private Authorizer authorizer = Authorizer.ANYONE;

        /**
         * Also listen with TLS on {@code host:port} (0: any free port), with {@code context} (a
         * server context built with gRPC's ALPN settings, {@code GrpcSslContexts}): the same
         * services as the plaintext port; each call sees on which one it came ({@link #caller()}).
         */
        public Builder tls(String host, int port, io.netty.handler.ssl.SslContext context) {
            this.tlsHost = Objects.requireNonNull(host);
            this.tlsPort = port;
            this.tlsContext = Objects.requireNonNull(context);
            return this;
        }

        /** Who may have a sync stream; default: anyone. */
        public Builder authorizer(Authorizer a) { this.authorizer = Objects.requireNonNull(a); return this; }

        /** Another gRPC service on the sync port (the certificate authority's). */
        public Builder service(ServerServiceDefinition s) { services.add(Objects.requireNonNull(s)); return this; }

        public Builder host(String h) { this.host = Objects.requireNonNull(h); return this; }
        public Builder port(int p) { this.port = p; return this; }
        public Builder source(SnapshotSource s) { this.source = s; return this; }
        public Builder events(Events e) { this.events = Objects.requireNonNull(e); return this; }
        /**
         * The quiet time that makes a change the first of a burst (pushed at once) and ends a burst
         * (its later changes pushed together); {@code maxDelay} bounds how long a burst's later changes wait.
         */
        public Builder debounce(Duration quiet, Duration maxDelay) {
            this.debounce = Objects.requireNonNull(quiet);
            this.maxDelay = Objects.requireNonNull(maxDelay);
            return this;
        }

        public SyncServer start() throws IOException { return new SyncServer(this); }
    }

    /**
     * A {@link SyncResponse} whose resources are JSON already: the bytes on the wire are those of
     * {@link SyncMessages#STREAM}, but a delta shared by a thousand proxies is serialised once.
     */
    private record EncodedPush(String versionInfo, String nonce, byte[] resourcesJson, List<ResourceKey> removed) {
    }

    /** {@link SyncMessages#STREAM} as the server sends it: pushes already encoded. */
    private static final MethodDescriptor<SyncRequest, EncodedPush> PUSH_STREAM =
            SyncMessages.STREAM.toBuilder(SyncMessages.STREAM.getRequestMarshaller(), new EncodedPushMarshaller()).build();

    private static final class EncodedPushMarshaller implements MethodDescriptor.Marshaller<EncodedPush> {
        @Override
        public InputStream stream(EncodedPush p) {
            byte[] head = ("{\"versionInfo\":" + SyncMessages.GSON.toJson(p.versionInfo()) + ",\"nonce\":" + SyncMessages.GSON.toJson(p.nonce())
                    + ",\"resources\":").getBytes(StandardCharsets.UTF_8);
            byte[] tail = (",\"removed\":" + SyncMessages.GSON.toJson(p.removed()) + "}").getBytes(StandardCharsets.UTF_8);
            return new Parts(head, p.resourcesJson(), tail);
        }

        @Override
        public EncodedPush parse(InputStream stream) {
            throw new UnsupportedOperationException("the server only sends pushes");
        }
    }

    /** Byte arrays read one after another; gRPC drains it straight into its frame buffer (no copy of the whole). */
    private static final class Parts extends InputStream implements Drainable, KnownLength {
        private final byte[][] parts;
        private int part;
        private int pos;

        Parts(byte[]... parts) { this.parts = parts; }

        @Override
        public int read() {
            while (part < parts.length && pos == parts[part].length) { part++; pos = 0; }
            return part == parts.length ? -1 : parts[part][pos++] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) return 0;
            while (part < parts.length && pos == parts[part].length) { part++; pos = 0; }
            if (part == parts.length) return -1;
            int n = Math.min(len, parts[part].length - pos);
            System.arraycopy(parts[part], pos, b, off, n);
            pos += n;
            return n;
        }

        @Override
        public int available() {
            long left = 0;
            for (int i = part; i < parts.length; i++) left += parts[i].length - (i == part ? pos : 0);
            return (int) left;
        }

        @Override
        public int drainTo(OutputStream target) throws IOException {
            int n = available();
            for (int i = part; i < parts.length; i++) target.write(parts[i], i == part ? pos : 0, parts[i].length - (i == part ? pos : 0));
            part = parts.length;
            pos = 0;
            return n;
        }
    }

    private static final Context.Key<Caller> CALLER = Context.key("ficus-sync-caller");

    /** The caller's address, inside a call of any service on the sync ports. */
    public static SocketAddress callerAddress() {
        Caller c = CALLER.get();
        return c == null ? null : c.address();
    }

    /** Who is calling, inside a call of any service on the sync ports; null outside one. */
    public static Caller caller() { return CALLER.get(); }

    /**
     * Makes the caller visible to {@link #open} and to the other services: gRPC keeps the address
     * and the TLS session in the call's attributes, the token in its headers.
     */
    private static final class PeerInterceptor implements ServerInterceptor {
        @Override
        public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
            javax.net.ssl.SSLSession ssl = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
            List<java.security.cert.X509Certificate> chain = List.of();
            if (ssl != null) {
                try {
                    List<java.security.cert.X509Certificate> certs = new ArrayList<>();
                    for (java.security.cert.Certificate c : ssl.getPeerCertificates()) {
                        if (c instanceof java.security.cert.X509Certificate x) certs.add(x);
                    }
                    chain = certs;
                } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
                    // no client certificate: a first request that carries the bootstrap token
                }
            }
            Caller caller = new Caller(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR), ssl != null, chain, ControlChannel.bearer(headers));
            Context ctx = Context.current().withValue(CALLER, caller);
            return Contexts.interceptCall(ctx, call, headers, next);
        }
    }
}
