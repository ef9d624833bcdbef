package dev.ficus.proxy.tls;

import dev.ficus.xds.snapshot.ClusterConfig;
import dev.ficus.xds.snapshot.Endpoint;
import dev.ficus.xds.snapshot.UpstreamTls;
import io.netty.channel.Channel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GenericFutureListener;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import java.util.function.Consumer;

/**
 * Client-side TLS of one upstream connection: decides from the cluster's {@link UpstreamTls} and
 * the endpoint's labels whether the connection speaks mesh mTLS, originated TLS or plaintext, adds
 * the {@link SslHandler} first in the pipeline, and once connected reports success only after the
 * handshake finished and (for mesh mTLS) the server's SPIFFE ID checked out.
 */
public final class UpstreamTlsHandshake {
    private final SslHandler handler;
    private final boolean mesh;
    private final UpstreamTls tls;
    private final String trustDomain;

    private UpstreamTlsHandshake(SslHandler handler, boolean mesh, UpstreamTls tls, String trustDomain) {
        this.handler = handler;
        this.mesh = mesh;
        this.tls = tls;
        this.trustDomain = trustDomain;
    }

    /**
     * The TLS step for a new connection to {@code e} of {@code c}, or null for plaintext. Auto mTLS
     * falls back to plaintext while this proxy has no mesh certificate (a standalone proxy has
     * none); ISTIO_MUTUAL without one fails the connection.
     */
    public static UpstreamTlsHandshake forConnection(MeshTls meshTls, ClusterConfig c, Endpoint e, Channel ch) throws SSLException {
        UpstreamTls t = c.tls();
        if (!t.tls(e.labels())) return null;
        SslContext ctx;
        boolean mesh = t.meshMtls(e.labels());
        if (mesh) {
            ctx = meshTls == null ? null : meshTls.client();
            if (ctx == null) {
                if (t.mode() == UpstreamTls.Mode.AUTO) return null;
                throw new SSLException("ISTIO_MUTUAL needs this proxy's mesh certificate, and it has none yet");
            }
        } else {
            if (meshTls == null) throw new SSLException("TLS origination is not available in this proxy");
            ctx = meshTls.origination(t);
        }
        // the peer's host and port key the client's session cache: without them every connection
        // is a full handshake. For mesh mTLS the endpoint's address (an IP sends no SNI; the inbound
        // side tells mesh TLS by ALPN, not by name)
        String peer = t.sni() != null ? t.sni() : e.address().host();
        SslHandler h = ctx.newHandler(ch.alloc(), peer, e.address().port());
        ch.pipeline().addFirst("tls", h);
        return new UpstreamTlsHandshake(h, mesh, t, meshTls == null ? null : meshTls.trustDomain());
    }

    /** Runs {@code ok} once the handshake succeeded and the server is who it must be, else {@code failed}. */
    public void whenSecured(Runnable ok, Consumer<Throwable> failed) {
        handler.handshakeFuture().addListener((GenericFutureListener<Future<Channel>>) hs -> {
            if (!hs.isSuccess()) {
                failed.accept(hs.cause());
                return;
            }
            if (mesh) {
                try {
                    PeerAuth server = MeshTls.verifyPeer(handler.engine().getSession(), trustDomain);
                    hs.getNow().attr(PeerAuth.KEY).set(server); // telemetry: destination_principal
                    if (!tls.subjectAltNames().isEmpty() && !tls.subjectAltNames().contains("spiffe://" + server.principal())) {
                        throw new SSLPeerUnverifiedException("server identity spiffe://" + server.principal() + " is not one of " + tls.subjectAltNames());
                    }
                } catch (SSLPeerUnverifiedException ex) {
                    hs.getNow().close();
                    failed.accept(ex);
                    return;
                }
            }
            ok.run();
        });
    }
}
