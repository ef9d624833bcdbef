package dev.ficus.proxy.telemetry;

import dev.ficus.proxy.http.ResponseFlag;
import dev.ficus.xds.snapshot.TelemetryPolicy.PeerWorkload;
import dev.ficus.xds.snapshot.TelemetryPolicy.ServiceRef;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;

/**
 * What telemetry learns about one HTTP exchange while the router serves it: the request as it
 * arrived, the cluster and endpoint chosen, the outcome, sizes, and both ends' identities. One
 * instance per downstream connection (or HTTP/2 stream), reset for each request and only touched
 * on that connection's event loop; observers that keep anything past {@link ExchangeObserver#onEnd}
 * copy it out.
 */
public final class Exchange {
    // the request as it arrived
    private HttpRequest request;
    private String method, path, authority, protocol;
    private long startNanos, startEpochMillis;
    private boolean grpc;
    /** gRPC whose bodies are length-prefixed messages to count (not gRPC-Web). */
    private boolean grpcFramed;
    // routing
    private String routeName, cluster;
    private Object upstreamHost; // rendered when read: only the access log reads it
    private PeerWorkload upstreamPeer; // the chosen endpoint's WorkloadEntry, when the snapshot names one
    private ServiceRef clusterService;
    // outcome
    private int status, grpcStatus = -1;
    private ResponseFlag flag;
    /** Every flag of the exchange ({@link dev.ficus.proxy.http.ResponseFlags}): {@link #flag} and, e.g., URX beside it. */
    private int flags;
    private long requestBytes, responseBytes, endNanos;
    // gRPC exchanges: messages in each direction, counted as the body passes (the counters are made on the connection's first gRPC exchange)
    private GrpcMessageCounter requestFrames, responseFrames;
    private long requestMessages, responseMessages;
    /** The message counters of this exchange's edge once telemetry resolved it (null: not yet, or metrics off). */
    private IstioMetrics.MessageSeries messageSeries;
    // identities: the other end's workload (peer metadata) and the principals of the connection that carried the exchange
    private PeerWorkload peer = PeerWorkload.UNKNOWN;
    private String peerPrincipal, localPrincipal;
    private boolean mutualTls;
    private String downstreamAddress;
    /** Set by tracing: the W3C trace id of the exchange's span, for the access log. */
    private String traceId;
    /** Tracing's scratch state, kept for the next exchange of the connection (never reset here: tracing resets it). */
    private Object traceState;
    // the edge last resolved on this connection: reused while nothing that names it changes
    IstioMetrics.Edge lastEdge;
    ListenerTelemetry lastTelemetry;
    PeerWorkload lastPeer;
    ServiceRef lastService;
    String lastPeerPrincipal, lastLocalPrincipal;
    boolean lastMutualTls;
    // inbound listeners: the service picked for the last authority seen on this connection
    String lastAuthority;
    ServiceRef lastAuthorityService;
    // inbound listeners counting metrics: this exchange's destination_service, picked when the request arrived
    private ServiceRef inboundService;
    private boolean inboundServiceKnown;

    /** Starts a new exchange with its request head (called first, before any stage may answer). */
    public void begin(HttpRequest req, String protocol, String downstreamAddress) {
        this.request = req;
        this.method = req.method().name();
        this.path = req.uri();
        this.authority = req.headers().get(HttpHeaderNames.HOST);
        this.protocol = protocol;
        this.downstreamAddress = downstreamAddress;
        this.startNanos = System.nanoTime();
        this.startEpochMillis = System.currentTimeMillis();
        CharSequence type = req.headers().get(HttpHeaderNames.CONTENT_TYPE);
        this.grpc = type != null && type.length() >= 16 && io.netty.util.AsciiString.regionMatches(type, true, 0, "application/grpc", 0, 16);
        // gRPC proper (application/grpc, application/grpc+proto...), not gRPC-Web: its text form is base64 and its body ends with a trailers frame
        this.grpcFramed = grpc && (type.length() == 16 || type.charAt(16) == '+' || type.charAt(16) == ';');
        routeName = cluster = null;
        upstreamHost = null;
        upstreamPeer = null;
        clusterService = null;
        status = 0;
        grpcStatus = -1;
        flag = null;
        flags = 0;
        requestBytes = responseBytes = 0;
        endNanos = 0;
        requestMessages = responseMessages = 0;
        messageSeries = null;
        if (grpcFramed) {
            if (requestFrames == null) {
                requestFrames = new GrpcMessageCounter();
                responseFrames = new GrpcMessageCounter();
            }
            requestFrames.reset();
            responseFrames.reset();
        }
        peer = PeerWorkload.UNKNOWN;
        peerPrincipal = null;
        localPrincipal = null;
        mutualTls = false;
        traceId = null;
        inboundService = null;
        inboundServiceKnown = false;
    }

    // ---- set by the router

    public void route(String name) { this.routeName = name; }

    /** The cluster the request was sent to, and the service it stands for (destination_service on the client side). */
    public void cluster(String name, ServiceRef service) {
        this.cluster = name;
        this.clusterService = service;
    }

    /** The endpoint the request went to (its {@code toString} is {@code host:port}). */
    public void upstreamHost(Object hostPort) { this.upstreamHost = hostPort; }

    /** The WorkloadEntry of the endpoint chosen (null: known only by address). */
    public void upstreamPeer(PeerWorkload w) { this.upstreamPeer = w; }

    public PeerWorkload upstreamPeer() { return upstreamPeer; }

    public void requestBody(int bytes) { requestBytes += bytes; }

    public void responseBody(int bytes) { responseBytes += bytes; }

    /** A chunk of the request body from the client: its size, and for gRPC the messages that begin in it. */
    public void requestBody(ByteBuf chunk) {
        requestBytes += chunk.readableBytes();
        if (grpcFramed) {
            int n = requestFrames.count(chunk);
            if (n > 0) {
                requestMessages += n;
                if (messageSeries != null) messageSeries.request(n);
            }
        }
    }

    /** A chunk of the response body to the client: its size, and for gRPC the messages that begin in it. */
    public void responseBody(ByteBuf chunk) {
        responseBytes += chunk.readableBytes();
        if (grpcFramed) {
            int n = responseFrames.count(chunk);
            if (n > 0) {
                responseMessages += n;
                if (messageSeries != null) messageSeries.response(n);
            }
        }
    }

    public void grpcStatus(int s) { this.grpcStatus = s; }

    /** The other end's workload and the principals the connection proved (null: not mTLS). */
    public void peer(PeerWorkload w) { this.peer = w == null ? PeerWorkload.UNKNOWN : w; }

    public void principals(boolean mutualTls, String peerPrincipal, String localPrincipal) {
        this.mutualTls = mutualTls;
        this.peerPrincipal = peerPrincipal;
        this.localPrincipal = localPrincipal;
    }

    /** Ends the exchange with {@code status} (0: no response) and {@code flag} (may be null). */
    public void end(int status, ResponseFlag flag) { end(status, flag, null); }

    /**
     * Ends the exchange with {@code status}, its failure's {@code flag} and {@code also} (e.g. URX
     * when the retries of that failure ran out); either may be null.
     */
    public void end(int status, ResponseFlag flag, ResponseFlag also) {
        this.status = status;
        this.flag = flag != null ? flag : also;
        this.flags = dev.ficus.proxy.http.ResponseFlags.with(dev.ficus.proxy.http.ResponseFlags.of(flag), also);
        this.endNanos = System.nanoTime();
    }

    public void traceId(String id) { this.traceId = id; }

    /**
     * From now on, counts this gRPC exchange's messages into {@code series} as they pass, and
     * counts there the ones seen so far; set once per exchange, when its edge is known.
     */
    void messageSeries(IstioMetrics.MessageSeries series) {
        this.messageSeries = series;
        series.request(requestMessages);
        series.response(responseMessages);
    }

    boolean messageSeriesKnown() { return messageSeries != null; }

    /** Whether this exchange's messages are counted: gRPC, not gRPC-Web (whose messages Istio does not count either). */
    boolean countsMessages() { return grpcFramed; }

    /** Set by an inbound listener's telemetry when the request arrives (may be null: no authority, no service). */
    void inboundService(ServiceRef service) {
        this.inboundService = service;
        this.inboundServiceKnown = true;
    }

    ServiceRef inboundService() { return inboundService; }

    boolean inboundServiceKnown() { return inboundServiceKnown; }

    /** Tracing's own state for this connection's exchanges, reused so that an unsampled request allocates none. */
    public void traceState(Object state) { this.traceState = state; }

    public Object traceState() { return traceState; }

    // ---- read by observers

    /** The request head; its headers are the ones forwarded upstream once the router prepared them. */
    public HttpRequest request() { return request; }

    public String method() { return method; }

    /** The path as the client sent it, before any rewrite. */
    public String path() { return path; }

    public String authority() { return authority; }

    /** {@code HTTP/1.1}, {@code HTTP/1.0} or {@code HTTP/2}. */
    public String protocol() { return protocol; }

    public boolean grpc() { return grpc; }

    public long startNanos() { return startNanos; }

    public long startEpochMillis() { return startEpochMillis; }

    public long durationMicros() { return Math.max(0, (endNanos - startNanos) / 1000); }

    public String routeName() { return routeName; }

    public String cluster() { return cluster; }

    public ServiceRef clusterService() { return clusterService; }

    public String upstreamHost() { return upstreamHost == null ? null : upstreamHost.toString(); }

    /** The endpoint as the router gave it (immutable), for an observer that renders it later on another thread. */
    public Object upstreamHostValue() { return upstreamHost; }

    public int status() { return status; }

    /** The failure's flag (the one {@code x-ficus-error} names first), or null. */
    public ResponseFlag flag() { return flag; }

    /** All flags of the exchange, a {@link dev.ficus.proxy.http.ResponseFlags} set. */
    public int flags() { return flags; }

    public int grpcStatus() { return grpcStatus; }

    public long requestBytes() { return requestBytes; }

    public long responseBytes() { return responseBytes; }

    /** gRPC messages the client sent (begun) so far; 0 for other exchanges. */
    public long requestMessages() { return requestMessages; }

    /** gRPC messages sent to the client (begun) so far; 0 for other exchanges. */
    public long responseMessages() { return responseMessages; }

    public PeerWorkload peer() { return peer; }

    /** The other end's SPIFFE ID ({@code spiffe://...}) when the connection is mTLS, else null. */
    public String peerPrincipal() { return peerPrincipal; }

    /** This end's SPIFFE ID when the connection is mTLS, else null. */
    public String localPrincipal() { return localPrincipal; }

    public boolean mutualTls() { return mutualTls; }

    public String downstreamAddress() { return downstreamAddress; }

    public String traceId() { return traceId; }

    public String requestId() { return request == null ? null : request.headers().get("x-request-id"); }

    public String userAgent() { return request == null ? null : request.headers().get(HttpHeaderNames.USER_AGENT); }
}
