package dev.ficus.xds.sync;

import dev.ficus.xds.snapshot.ProxySnapshot;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The proxy's half of the sync protocol. It holds the resources of the last snapshot it applied;
 * each push is applied to a copy of them, assembled into a snapshot and handed to the
 * {@link Applier}: success is ACKed and becomes the new state, any failure (a body that does not
 * decode, a dangling reference, a listener that cannot bind) is NACKed with its message and the
 * proxy keeps serving what it had. When the stream breaks, the proxy keeps serving (fail static)
 * and reconnects with jittered exponential backoff; its hello carries the hashes it holds, so a
 * control plane that restarted sends only what differs.
 *
 * <p>All state lives on one thread of its own; the applier runs there too, never on an event loop.
 */
public final class SyncClient implements AutoCloseable {

    /** Takes a snapshot into service; throwing refuses it (NACK) and the previous one stays. */
    public interface Applier {
        void apply(ProxySnapshot snapshot) throws Exception;
    }

    private final Node node;
    private final Applier applier;
    private final Consumer<String> log;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final ManagedChannel channel;
    private final io.grpc.Channel calls; // the channel, with the bootstrap token added when the node needs it
    private final ScheduledExecutorService thread;
    private final CompletableFuture<ProxySnapshot> first = new CompletableFuture<>();

    // state: the sync thread only
    private final Map<ResourceKey, Object> held = new HashMap<>();
    private final Map<ResourceKey, String> hashes = new HashMap<>();
    private String version = "";
    private ClientCall<SyncRequest, SyncResponse> call;
    private StreamObserver<SyncRequest> requests;
    private int failures;
    private boolean closed;
    private volatile boolean connected;
    private volatile String lastError;

    private SyncClient(String host, int port, ControlChannel.Tls tls, java.util.function.Supplier<ControlChannel.ClientKey> key, boolean withToken,
                       Node node, Applier applier, Consumer<String> log, Duration initialBackoff, Duration maxBackoff) {
        this.node = Objects.requireNonNull(node, "node");
        this.applier = Objects.requireNonNull(applier, "applier");
        this.log = Objects.requireNonNull(log, "log");
        this.initialBackoff = initialBackoff;
        this.maxBackoff = maxBackoff;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ficus-sync-client");
            t.setDaemon(true);
            return t;
        });
        this.channel = ControlChannel.open(host, port, tls, key, SyncMessages.MAX_MESSAGE_BYTES, true);
        this.calls = withToken && tls != null && tls.bootstrapToken() != null ? ControlChannel.withToken(channel, tls.bootstrapToken()) : channel;
    }

    /**
     * Connects to the control plane at {@code host:port} as {@code node}. {@code log} receives one
     * line per connection change, NACK and applied version.
     */
    public static SyncClient start(String host, int port, Node node, Applier applier, Consumer<String> log) {
        return start(host, port, node, applier, log, Duration.ofMillis(100), Duration.ofSeconds(5));
    }

    public static SyncClient start(String host, int port, Node node, Applier applier, Consumer<String> log,
                                   Duration initialBackoff, Duration maxBackoff) {
        SyncClient c = new SyncClient(host, port, null, null, false, node, applier, log, initialBackoff, maxBackoff);
        c.thread.execute(c::connect);
        return c;
    }

    /**
     * Connects to the control plane's TLS sync port: its certificate must chain to {@code tls}'s
     * roots; the stream is authenticated by the client certificate {@code key} holds at each
     * handshake, and also by the bootstrap token when {@code withToken} (a node whose workloads
     * have several identities: one certificate cannot prove them all).
     */
    public static SyncClient startTls(String host, int port, ControlChannel.Tls tls, java.util.function.Supplier<ControlChannel.ClientKey> key,
                                      boolean withToken, Node node, Applier applier, Consumer<String> log) {
        SyncClient c = new SyncClient(host, port, Objects.requireNonNull(tls, "tls"), key, withToken, node, applier, log,
                Duration.ofMillis(100), Duration.ofSeconds(5));
        c.thread.execute(c::connect);
        return c;
    }

    /** Completes with the first snapshot applied. */
    public CompletableFuture<ProxySnapshot> firstSnapshot() { return first; }

    /** Whether a stream to the control plane is open now. */
    public boolean connected() { return connected; }

    /** The last NACK or connection error, or null. */
    public String lastError() { return lastError; }

    private void connect() {
        if (closed) return;
        // our own backoff decides when to try again: gRPC's channel keeps one of its own after a failed
        // connect (growing to 2 minutes), and would fail this call at once without trying
        if (failures > 0) channel.resetConnectBackoff();
        ClientCall<SyncRequest, SyncResponse> c = calls.newCall(SyncMessages.STREAM, CallOptions.DEFAULT);
        call = c;
        requests = ClientCalls.asyncBidiStreamingCall(c, new StreamObserver<>() {
            @Override public void onNext(SyncResponse r) { run(() -> { if (call == c) received(r); }); }
            @Override public void onError(Throwable t) { run(() -> { if (call == c) broken(Status.fromThrowable(t)); }); }
            @Override public void onCompleted() { run(() -> { if (call == c) broken(Status.UNAVAILABLE.withDescription("the control plane ended the stream")); }); }
        });
        Map<String, String> known = new HashMap<>();
        hashes.forEach((k, h) -> known.put(k.toString(), h));
        requests.onNext(SyncRequest.hello(node, version, known));
    }

    /** Runs {@code r} on the client's thread; after {@link #close} there is nothing left to do. */
    private void run(Runnable r) {
        try {
            thread.execute(r);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed: the stream's last callbacks arrive after the thread stopped
        }
    }

    private void received(SyncResponse r) {
        if (!connected) {
            connected = true;
            failures = 0;
            log.accept("connected to the control plane" + (version.isEmpty() ? "" : " (serving version " + version + ")"));
        }
        Map<ResourceKey, Object> nextHeld = new HashMap<>(held);
        Map<ResourceKey, String> nextHashes = new HashMap<>(hashes);
        ProxySnapshot snapshot;
        try {
            for (ResourceKey k : r.removed()) {
                nextHeld.remove(k);
                nextHashes.remove(k);
            }
            for (WireResource w : r.resources()) {
                nextHeld.put(w.key(), SnapshotResources.decode(w));
                nextHashes.put(w.key(), w.hash());
            }
            snapshot = SnapshotResources.assemble(r.versionInfo(), nextHeld);
            applier.apply(snapshot);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            nack(r, "interrupted while applying");
            return;
        } catch (Exception e) {
            nack(r, e.getMessage() == null ? e.toString() : e.getMessage());
            return;
        }
        held.clear();
        held.putAll(nextHeld);
        hashes.clear();
        hashes.putAll(nextHashes);
        String was = version;
        version = r.versionInfo();
        lastError = null;
        requests.onNext(SyncRequest.ack(version, r.nonce()));
        if (!was.equals(version)) {
            log.accept("config version " + version + " applied (" + r.resources().size() + " resources changed, "
                    + r.removed().size() + " removed" + (was.isEmpty() ? "" : "; was " + was) + ")");
        }
        first.complete(snapshot);
    }

    private void nack(SyncResponse r, String error) {
        lastError = error;
        log.accept("config version " + r.versionInfo() + " refused: " + error + (version.isEmpty() ? "" : "; still serving version " + version));
        requests.onNext(SyncRequest.nack(version, r.nonce(), error));
    }

    private void broken(Status s) {
        call = null;
        requests = null;
        if (closed) return;
        if (connected) {
            connected = false;
            log.accept("lost the control plane (" + describe(s) + ")" + (version.isEmpty() ? "" : "; serving version " + version + " until it returns"));
        } else if (failures == 0 || failures % 20 == 0) {
            log.accept("cannot reach the control plane (" + describe(s) + "); retrying");
        }
        lastError = describe(s);
        long cap = Math.min(maxBackoff.toMillis(), initialBackoff.toMillis() << Math.min(failures, 16));
        failures++;
        long delay = ThreadLocalRandom.current().nextLong(cap / 2, cap + 1); // jitter: a restart is not met by a thundering herd
        try {
            thread.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed meanwhile
        }
    }

    private static String describe(Status s) {
        return s.getCode() + (s.getDescription() == null ? "" : ": " + s.getDescription())
                + (s.getCause() != null && s.getDescription() == null ? ": " + s.getCause().getMessage() : "");
    }

    /** Ends the stream; the proxy keeps whatever it serves. */
    @Override
    public void close() {
        run(() -> {
            closed = true;
            if (call != null) call.cancel("proxy stopping", null);
        });
        thread.shutdown();
        try {
            thread.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        channel.shutdownNow();
    }
}
