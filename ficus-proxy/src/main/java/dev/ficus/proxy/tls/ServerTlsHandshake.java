package dev.ficus.proxy.tls;

import dev.ficus.proxy.telemetry.TrafficStats;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;

import javax.net.ssl.SSLPeerUnverifiedException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.function.BiConsumer;

/**
 * The {@code tls} step of a listener that terminates TLS with certificates of its own (Gateway
 * HTTPS servers, Sidecar ingress {@code tls}): adds the server handler of the {@link
 * ServerTlsContexts.Chain} the SNI picked, checks a client certificate against the server's
 * {@code subjectAltNames} and pins once the handshake is done, then lets {@code next} build the
 * HTTP steps on the decrypted bytes for the protocol ALPN agreed (h2 or http/1.1). A failed
 * handshake or a refused client certificate closes the connection. Runs on the connection's event loop.
 */
public final class ServerTlsHandshake extends ChannelInboundHandlerAdapter {
    private final ServerTlsContexts.Chain chain;
    private final BiConsumer<ChannelPipeline, String> next;
    private final TrafficStats stats;
    private boolean counted;

    private ServerTlsHandshake(ServerTlsContexts.Chain chain, BiConsumer<ChannelPipeline, String> next, TrafficStats stats) {
        this.chain = chain;
        this.next = next;
        this.stats = stats;
    }

    /**
     * Adds the TLS step for {@code chain} after {@code after} in {@code p}; false (nothing added)
     * for an ISTIO_MUTUAL server while the proxy has no mesh certificate.
     *
     * @param stats the listener's counters ({@code ficus_listener_tls_handshakes_total})
     * @param next builds the steps after TLS, given the ALPN protocol ({@code h2} or {@code http/1.1})
     */
    public static boolean add(ChannelPipeline p, String after, ServerTlsContexts.Chain chain, TrafficStats stats, BiConsumer<ChannelPipeline, String> next) {
        var context = chain.current();
        if (context == null) return false;
        p.addAfter(after, "tls", context.newHandler(p.channel().alloc()));
        p.addAfter("tls", "tls-verify", new ServerTlsHandshake(chain, next, stats));
        return true;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (!(evt instanceof SslHandshakeCompletionEvent done)) {
            super.userEventTriggered(ctx, evt);
            return;
        }
        if (!done.isSuccess()) {
            count(false, false);
            ctx.close();
            return;
        }
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        if (chain.mesh() != null) { // ISTIO_MUTUAL: the caller must be of this mesh, as on an inbound listener
            try {
                ctx.channel().attr(PeerAuth.KEY).set(MeshTls.verifyPeer(ssl.engine().getSession(), chain.mesh().trustDomain()));
            } catch (SSLPeerUnverifiedException e) {
                count(true, true);
                ctx.close();
                return;
            }
        }
        X509Certificate client = null;
        try {
            Certificate[] certs = ssl.engine().getSession().getPeerCertificates();
            if (certs.length > 0 && certs[0] instanceof X509Certificate leaf) client = leaf;
        } catch (SSLPeerUnverifiedException e) { // none sent: only OPTIONAL_MUTUAL and SIMPLE get here
        }
        if (client != null && !chain.accepts(client)) {
            count(true, true);
            ctx.close();
            return;
        }
        if (client != null && chain.mesh() == null) { // MUTUAL / OPTIONAL_MUTUAL: what the verified certificate proves
            ctx.channel().attr(PeerAuth.KEY).set(PeerAuth.ofClientCertificate(client));
            ctx.channel().attr(ClientCertificates.XFCC).set(ClientCertificates.xfcc(client));
        }
        count(true, false);
        String alpn = ssl.applicationProtocol();
        ChannelPipeline p = ctx.pipeline();
        next.accept(p, alpn == null ? ApplicationProtocolNames.HTTP_1_1 : alpn);
        p.remove(this);
        p.context("tls").fireChannelActive(); // the HTTP steps start now, as on a plaintext connection
    }

    /** A handshake the client broke or refused (bad record, unknown CA, no certificate): the connection ends quietly. */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        count(false, false);
        ctx.close();
    }

    /** Counts the handshake once (a failure is seen both as an exception and as a completion event). */
    private void count(boolean done, boolean refused) {
        if (counted) return;
        counted = true;
        stats.tlsHandshake(done, refused);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        // already active when added; the steps after TLS get channelActive after the handshake
    }
}
