package dev.ficus.proxy.detect;

import dev.ficus.proxy.http.ExchangeEvent;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Peeks at the first bytes of a downstream connection and decides its protocol, as Istio's
 * protocol sniffing does: a TLS ClientHello (with its SNI), the HTTP/2 preface (h2c prior
 * knowledge), an HTTP/1.x method token, else opaque TCP. Nothing is consumed: once decided, the
 * {@link Choice} callback builds the rest of the pipeline after this handler, which then removes
 * itself and the bytes it held flow into the new handlers. When the client sends nothing within
 * the detection timeout (a server-first protocol such as MySQL or SMTP) the connection is TCP.
 *
 * <p>In {@code httpOnly} mode (HTTP listeners) the choice is only between HTTP/2 and HTTP/1.1 (and
 * TLS, when the listener terminates mesh mTLS), and the timeout is the listener's, as Envoy's
 * listener filter timeout ({@link #HTTP_DETECT_TIMEOUT}): a client that sends a few bytes, or a
 * partial ClientHello, and then nothing would otherwise hold the connection forever. When it
 * passes, bytes that begin a TLS record are TLS (the listener refuses and counts it: a hello that
 * never completes cannot be mesh mTLS), anything else proceeds as HTTP/1.1 plaintext, as Istio's
 * {@code continue_on_listener_filters_timeout} does (a PERMISSIVE port serves it, a STRICT one
 * refuses it). One instance per connection, on its event loop.
 */
public final class ProtocolDetectHandler extends ByteToMessageDecoder {
    static final byte[] H2_PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    /** Envoy's default listener filter timeout: how long an HTTP listener waits for the first bytes to tell the protocol. */
    public static final java.time.Duration HTTP_DETECT_TIMEOUT = java.time.Duration.ofSeconds(15);
    private static final byte[][] METHODS = tokens("GET ", "POST ", "PUT ", "DELETE ", "HEAD ", "OPTIONS ", "PATCH ", "CONNECT ", "TRACE ");

    /** Builds the pipeline for a detected protocol; called once, on the event loop, before this handler leaves. */
    @FunctionalInterface
    public interface Choice {
        /** @param sni the TLS server name (TLS only, may be null) */
        void chosen(ChannelHandlerContext ctx, DetectedProtocol protocol, String sni);
    }

    private final Choice choice;
    private final boolean httpOnly;
    private final boolean tls;
    private final long timeoutNanos;
    private ScheduledFuture<?> timer;
    private boolean decided;

    public ProtocolDetectHandler(Choice choice, boolean httpOnly, long timeoutNanos) {
        this(choice, httpOnly, !httpOnly, timeoutNanos);
    }

    /**
     * @param tls          with {@code httpOnly}: TLS is told apart too (an HTTP listener that
     *                     terminates mesh mTLS: TLS, else HTTP/2 or HTTP/1.1)
     * @param timeoutNanos with {@code httpOnly}, the listener filter timeout; else the wait for a
     *                     client-first protocol before the connection is TCP; 0: none
     */
    public ProtocolDetectHandler(Choice choice, boolean httpOnly, boolean tls, long timeoutNanos) {
        this.choice = choice;
        this.httpOnly = httpOnly;
        this.tls = tls;
        this.timeoutNanos = timeoutNanos;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        // the handlers after this one hear channelActive once they exist
        if (timeoutNanos > 0) timer = ctx.executor().schedule(() -> timedOut(ctx), timeoutNanos, TimeUnit.NANOSECONDS);
        ctx.read();
    }

    private void timedOut(ChannelHandlerContext ctx) {
        if (decided || !ctx.channel().isActive()) return;
        if (!httpOnly) {
            decide(ctx, DetectedProtocol.TCP, null);
            return;
        }
        ByteBuf held = internalBuffer();
        boolean partialTls = tls && held.isReadable() && ClientHello.looksLikeTls(held);
        decide(ctx, partialTls ? DetectedProtocol.TLS : DetectedProtocol.HTTP1, null);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (decided) return;
        DetectedProtocol p = classify(in, httpOnly, tls);
        if (p == null) return;
        String sni = null;
        if (p == DetectedProtocol.TLS) {
            sni = ClientHello.serverName(in);
            if (sni == ClientHello.INCOMPLETE) return;
            if (ClientHello.offersAlpn(in, dev.ficus.proxy.tls.MeshTls.ALPN_MESH_BYTES)) p = DetectedProtocol.MESH_TLS;
        }
        decide(ctx, p, sni);
    }

    private void decide(ChannelHandlerContext ctx, DetectedProtocol p, String sni) {
        decided = true;
        if (timer != null) timer.cancel(false);
        choice.chosen(ctx, p, sni);
        ctx.fireChannelActive();
        ctx.pipeline().remove(this); // hands the held bytes to the next handler
    }

    /**
     * The proxy drains: a connection that has sent nothing yet carries no request, and closes as
     * an idle keep-alive connection does. One that has (part of a request) goes on: the handlers
     * its protocol gets see the drain mark of its channel and close it after that exchange.
     */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == ExchangeEvent.DRAIN && !decided && !internalBuffer().isReadable()) {
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        // the connection closed before its protocol was known: nothing to build
        decided = true;
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!decided) ctx.read(); // still undecided: ask for more
        else ctx.fireChannelReadComplete();
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        if (timer != null) timer.cancel(false);
    }

    /** The protocol the bytes so far prove, or null when more bytes are needed. */
    static DetectedProtocol classify(ByteBuf in, boolean httpOnly) {
        return classify(in, httpOnly, !httpOnly);
    }

    static DetectedProtocol classify(ByteBuf in, boolean httpOnly, boolean tls) {
        int n = in.readableBytes();
        if (n == 0) return null;
        if (tls && ClientHello.looksLikeTls(in)) return n < 2 ? null : DetectedProtocol.TLS;
        int preface = prefix(in, H2_PREFACE);
        if (preface == H2_PREFACE.length) return DetectedProtocol.HTTP2;
        if (preface == n) return null; // so far a prefix of the preface
        if (httpOnly) return DetectedProtocol.HTTP1;
        boolean maybe = false;
        for (byte[] m : METHODS) {
            int k = prefix(in, m);
            if (k == m.length) return DetectedProtocol.HTTP1;
            if (k == n) maybe = true;
        }
        return maybe ? null : DetectedProtocol.TCP;
    }

    /** How many leading bytes of {@code in} equal {@code token}'s (at most the shorter length). */
    private static int prefix(ByteBuf in, byte[] token) {
        int n = Math.min(in.readableBytes(), token.length);
        int base = in.readerIndex();
        for (int i = 0; i < n; i++) if (in.getByte(base + i) != token[i]) return i;
        return n;
    }

    private static byte[][] tokens(String... s) {
        byte[][] out = new byte[s.length][];
        for (int i = 0; i < s.length; i++) out[i] = s[i].getBytes(StandardCharsets.US_ASCII);
        return out;
    }
}
