package dev.ficus.bench.control;

import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dev.ficus.xds.sync.Node;
import dev.ficus.xds.sync.SyncMessages;
import dev.ficus.xds.sync.SyncRequest;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Many proxies on the sync stream at the cost of few: each is one gRPC call (no thread of its
 * own) on a small pool of shared channels. A simulated proxy says hello, then ACKs every push the
 * moment it arrives, without building a snapshot: it keeps only what the benchmark reports of each
 * push (arrival time, version, resources, removals, body bytes).
 *
 * <p>Pushes are read with a streaming reader that counts the resources and their body bytes
 * instead of materialising them (the wire format is the protocol's JSON, unchanged); so what the
 * simulated proxies cost the shared machine stays small next to the control plane being measured.
 * Callbacks run on the channels' Netty event loops.
 */
public final class SimulatedProxies implements AutoCloseable {

    /** What one push carried, as the proxy saw it. */
    public record Push(long arrivedNanos, String version, int resources, int removed, long bodyBytes) {
    }

    /** The response as the simulated proxy reads it: counts, not contents. */
    record Summary(String versionInfo, String nonce, int resources, int removed, long bodyBytes) {
    }

    /** The protocol's method, with pushes read as {@link Summary}s. */
    static final MethodDescriptor<SyncRequest, Summary> METHOD =
            SyncMessages.STREAM.toBuilder(SyncMessages.STREAM.getRequestMarshaller(), new SummaryMarshaller()).build();

    /** One simulated proxy; its pushes are appended on an event loop and read by the benchmark thread. */
    public static final class Proxy {
        private final Node node;
        private final List<Push> pushes = new ArrayList<>();
        private volatile String error;
        private ClientCall<SyncRequest, Summary> call;
        private StreamObserver<SyncRequest> requests;

        Proxy(Node node) { this.node = node; }

        public Node node() { return node; }

        /** The pushes so far, oldest first. */
        public synchronized List<Push> pushes() { return List.copyOf(pushes); }

        public synchronized Push last() { return pushes.isEmpty() ? null : pushes.getLast(); }

        /** The first push whose version differs from {@code version} and that arrived after {@code afterNanos}; null: none yet. */
        public synchronized Push firstChangeAfter(long afterNanos, String version) {
            for (Push p : pushes) if (p.arrivedNanos() >= afterNanos && !p.version().equals(version)) return p;
            return null;
        }

        /** Why the stream ended, or null while it is open. */
        public String error() { return error; }

        private synchronized void received(Summary s, long now) {
            pushes.add(new Push(now, s.versionInfo(), s.resources(), s.removed(), s.bodyBytes()));
            requests.onNext(SyncRequest.ack(s.versionInfo(), s.nonce()));
        }

        private synchronized void start(ManagedChannel channel) {
            call = channel.newCall(METHOD, CallOptions.DEFAULT);
            requests = ClientCalls.asyncBidiStreamingCall(call, new StreamObserver<>() {
                @Override public void onNext(Summary s) { received(s, System.nanoTime()); }
                @Override public void onError(Throwable t) { error = t + (t.getCause() == null ? "" : " (" + t.getCause() + ")"); }
                @Override public void onCompleted() { error = "the control plane ended the stream"; }
            });
            requests.onNext(SyncRequest.hello(node, "", Map.of()));
        }

        private synchronized void stop() {
            if (call != null) call.cancel("benchmark over", null);
        }
    }

    private final List<ManagedChannel> channels = new ArrayList<>();
    private final List<Proxy> proxies = new ArrayList<>();

    private SimulatedProxies() {
    }

    /**
     * Opens one stream per node, {@code streamsPerChannel} streams sharing each HTTP/2 connection,
     * and sends every hello; returns without waiting for the first push.
     */
    public static SimulatedProxies connect(String host, int port, List<Node> nodes, int streamsPerChannel) {
        SimulatedProxies all = new SimulatedProxies();
        ManagedChannel channel = null;
        for (int i = 0; i < nodes.size(); i++) {
            if (i % streamsPerChannel == 0) {
                channel = NettyChannelBuilder.forAddress(host, port).usePlaintext()
                        .maxInboundMessageSize(SyncMessages.MAX_MESSAGE_BYTES)
                        .directExecutor() // a push is counted and ACKed on the event loop: no hand-off
                        .build();
                all.channels.add(channel);
            }
            Proxy p = new Proxy(nodes.get(i));
            all.proxies.add(p);
            p.start(channel);
        }
        return all;
    }

    public List<Proxy> proxies() { return proxies; }

    public int channels() { return channels.size(); }

    @Override
    public void close() { disconnect(); }

    /** Ends every stream and closes the channels; safe to call twice (and before {@link #close}). */
    public void disconnect() {
        proxies.forEach(Proxy::stop);
        channels.forEach(ManagedChannel::shutdownNow);
        for (ManagedChannel c : channels) {
            try {
                c.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Reads a {@code SyncResponse} as a stream: keeps the version and nonce, counts the rest. */
    private static final class SummaryMarshaller implements MethodDescriptor.Marshaller<Summary> {
        @Override
        public InputStream stream(Summary value) {
            throw new UnsupportedOperationException("simulated proxies only read pushes");
        }

        @Override
        public Summary parse(InputStream stream) {
            try (JsonReader r = new JsonReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                String version = null;
                String nonce = null;
                int resources = 0;
                int removed = 0;
                long bytes = 0;
                r.beginObject();
                while (r.hasNext()) {
                    switch (r.nextName()) {
                        case "versionInfo" -> version = r.nextString();
                        case "nonce" -> nonce = r.nextString();
                        case "resources" -> {
                            r.beginArray();
                            while (r.hasNext()) {
                                resources++;
                                r.beginObject();
                                while (r.hasNext()) {
                                    if (r.nextName().equals("body") && r.peek() == JsonToken.STRING) bytes += utf8Length(r.nextString());
                                    else r.skipValue();
                                }
                                r.endObject();
                            }
                            r.endArray();
                        }
                        case "removed" -> {
                            r.beginArray();
                            while (r.hasNext()) {
                                removed++;
                                r.skipValue();
                            }
                            r.endArray();
                        }
                        default -> r.skipValue();
                    }
                }
                r.endObject();
                if (version == null || nonce == null) throw new IllegalArgumentException("a push without versionInfo or nonce");
                return new Summary(version, nonce, resources, removed, bytes);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static long utf8Length(String s) {
            long n = 0;
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c < 0x80) n++;
                else if (c < 0x800) n += 2;
                else if (Character.isHighSurrogate(c)) { n += 4; i++; }
                else n += 3;
            }
            return n;
        }
    }
}
