package dev.ficus.proxy.tls;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;

import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * The server side of mesh mTLS on an inbound listener: terminates TLS (the client must present a
 * certificate the mesh's roots vouch for), checks that its SPIFFE ID is in this mesh's trust
 * domain, records the peer as {@link PeerAuth} on the connection, and then lets {@code next} build
 * the rest of the pipeline on the decrypted bytes. A failed handshake or a foreign identity closes
 * the connection and is counted.
 */
public final class MtlsServerHandshake extends ChannelInboundHandlerAdapter {
    /** Counters of one listener, for the admin page and {@code ficus mtls status}. */
    public static final class Counters {
        public final LongAdder accepted = new LongAdder();
        /** Failed handshakes, and TLS that is not the mesh's on an HTTP port (an app's own, a malformed hello). */
        public final LongAdder failed = new LongAdder();
        public final LongAdder plaintextRefused = new LongAdder();
        /** Of the accepted, those that resumed a session (no certificate exchange); see {@link SessionReuse}. */
        public final LongAdder resumed = new LongAdder();
    }

    private final MeshTls tls;
    private final Consumer<ChannelPipeline> next;
    private final Counters counters;
    private final InboundPeers peers;

    private MtlsServerHandshake(MeshTls tls, Consumer<ChannelPipeline> next, Counters counters, InboundPeers peers) {
        this.peers = peers;
        this.tls = tls;
        this.next = next;
        this.counters = counters;
    }

    /**
     * Adds the TLS step after {@code after} in {@code p}; returns false (nothing added) when this
     * proxy has no mesh certificate yet.
     */
    public static boolean add(ChannelPipeline p, String after, MeshTls tls, Counters counters, InboundPeers peers, Consumer<ChannelPipeline> next) {
        var ctx = tls.server();
        if (ctx == null) return false;
        p.addAfter(after, "tls", ctx.newHandler(p.channel().alloc()));
        p.addAfter("tls", "mtls-verify", new MtlsServerHandshake(tls, next, counters, peers));
        return true;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent done) {
            if (!done.isSuccess()) {
                counters.failed.increment();
                ctx.close();
                return;
            }
            SslHandler ssl = ctx.pipeline().get(SslHandler.class);
            PeerAuth peer;
            try {
                peer = MeshTls.verifyPeer(ssl.engine().getSession(), tls.trustDomain());
            } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
                counters.failed.increment();
                ctx.close();
                return;
            }
            counters.accepted.increment();
            if (SessionReuse.resumed(ssl.engine())) counters.resumed.increment();
            ctx.channel().attr(PeerAuth.KEY).set(peer);
            peers.record(InboundPeers.address(ctx.channel()), peer);
            ChannelPipeline p = ctx.pipeline();
            next.accept(p); // builds the inner pipeline after this handler
            p.remove(this);
            // the inner steps start now: they hear channelActive, as on a plaintext connection
            p.context("tls").fireChannelActive();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        // already active when added; the inner steps get channelActive after the handshake
    }
}
