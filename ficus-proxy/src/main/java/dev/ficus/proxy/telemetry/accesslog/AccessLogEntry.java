package dev.ficus.proxy.telemetry.accesslog;

import dev.ficus.proxy.telemetry.Exchange;

/**
 * What one line says, copied out of an {@link Exchange} (which its connection reuses) on the
 * exchange's event loop, and read by the writer thread. A slot of {@link EntryRing}: allocated
 * once, refilled for every line; the ring's sequence numbers order the two threads' accesses.
 * Only references to immutable values are copied; rendering (the endpoint's {@code host:port},
 * numbers, escaping) happens on the writer thread.
 */
final class AccessLogEntry {
    long startEpochMillis;
    long durationMicros;
    int status;
    int grpcStatus;
    /** A {@link dev.ficus.proxy.http.ResponseFlags} set. */
    int flags;
    long bytesReceived;
    long bytesSent;
    String method;
    String path;
    String protocol;
    String authority;
    String userAgent;
    String requestId;
    String traceId;
    String routeName;
    String cluster;
    Object upstreamHost;
    String downstreamAddress;
    /** The principals of the downstream connection on an inbound listener, of the upstream one elsewhere. */
    String peerPrincipal;
    String localPrincipal;
    boolean inbound;

    void copyFrom(Exchange ex, boolean inbound) {
        startEpochMillis = ex.startEpochMillis();
        durationMicros = ex.durationMicros();
        status = ex.status();
        grpcStatus = ex.grpcStatus();
        flags = ex.flags();
        bytesReceived = ex.requestBytes();
        bytesSent = ex.responseBytes();
        method = ex.method();
        path = ex.path();
        protocol = ex.protocol();
        authority = ex.authority();
        userAgent = ex.userAgent();
        requestId = ex.requestId();
        traceId = ex.traceId();
        routeName = ex.routeName();
        cluster = ex.cluster();
        upstreamHost = ex.upstreamHostValue();
        downstreamAddress = ex.downstreamAddress();
        peerPrincipal = ex.peerPrincipal();
        localPrincipal = ex.localPrincipal();
        this.inbound = inbound;
    }

    /** Drops the references, so that a slot does not keep a request's strings alive. */
    void clear() {
        method = path = protocol = authority = userAgent = requestId = traceId = routeName = cluster = null;
        upstreamHost = null;
        downstreamAddress = peerPrincipal = localPrincipal = null;
    }
}
