package dev.ficus.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ByteProcessor;
import java.nio.charset.StandardCharsets;

/**
 * The reference for {@link Http1HeadParserTest}: how ficus refused obsolete line folding before its
 * own codec ({@link Http1ServerCodec}), in front of Netty's decoder.
 *
 * <p>Refuses obsolete line folding (a header line starting with SP or HTAB, RFC 9112 section 5.2)
 * with 400 before the codec sees it: the codec would silently join the lines, and proxies that
 * disagree about folded headers are a request-smuggling vector. Scans only request heads: after
 * a head's empty line, or once the codec decoded the head ({@link #headDecoded()}), it stops until
 * {@link #expectHead()} says the request ended. Heads that
 * arrive in the same read as an earlier request (pipelining) are not scanned; the codec then replaces the
 * fold with a space, as the RFC also allows, and nothing folded is ever forwarded.
 * One instance per connection, on its event loop, placed before the codec.
 */
final class HeadScanHandler extends ChannelInboundHandlerAdapter implements ByteProcessor {
    private static final byte[] REPLY = ("HTTP/1.1 400 Bad Request\r\ncontent-length: 22\r\ncontent-type: text/plain\r\n"
            + "x-ficus-error: DPE\r\nconnection: close\r\n\r\nobsolete line folding\n").getBytes(StandardCharsets.ISO_8859_1);

    private final TelemetryHook onRefused;
    private boolean inHead = true;
    private boolean refused;
    /** Bytes of the current head seen so far, and whether the previous byte ended a line. */
    private long seen;
    private boolean lineStart;
    private boolean emptyLine;
    private boolean fold;

    /** Tells the stats that a request was refused; keeps this handler free of the stats type. */
    @FunctionalInterface
    public interface TelemetryHook { void refused(); }

    HeadScanHandler(TelemetryHook onRefused) { this.onRefused = onRefused; }

    /** The codec decoded a whole head: what follows in the stream is its body, not a head. */
    public void headDecoded() { inHead = false; }

    /** The current request ended: the next bytes start a new head. */
    public void expectHead() {
        inHead = true;
        seen = 0;
        lineStart = false;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (refused) {
            io.netty.util.ReferenceCountUtil.release(msg);
            return;
        }
        if (inHead && msg instanceof ByteBuf buf && buf.isReadable()) {
            fold = false;
            buf.forEachByte(this);
            if (fold) {
                refused = true;
                buf.release();
                onRefused.refused();
                ctx.writeAndFlush(Unpooled.wrappedBuffer(REPLY)).addListener(ChannelFutureListener.CLOSE);
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public boolean process(byte b) {
        if (lineStart) {
            lineStart = false;
            if (b == '\r' || b == '\n') {
                emptyLine = true; // CRLF CRLF: the head ends (the LF after CR follows)
                if (b == '\n') { inHead = false; return false; }
                return true;
            }
            if ((b == ' ' || b == '\t') && seen > 0) {
                fold = true;
                return false;
            }
        } else if (emptyLine) {
            emptyLine = false;
            if (b == '\n') { inHead = false; return false; }
        }
        if (b == '\n') lineStart = true;
        seen++;
        return true;
    }
}
