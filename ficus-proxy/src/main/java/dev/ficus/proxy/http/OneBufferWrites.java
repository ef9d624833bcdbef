package dev.ficus.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.EncoderException;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes what one of ficus's HTTP/1.1 encoders (Netty's request or response encoder underneath)
 * makes of a message in as few buffers as it can: the encoded head is held until the message's
 * end, and the body pieces and chunk framing that follow are copied into the room left in its
 * buffer while they fit (never into a new, larger one: that would cost what it saves), so that a
 * head and a small body go out as one buffer, one write and one entry of the channel's outbound
 * buffer; empty pieces (the end of a message without a body) are not written at all. Other pieces
 * are written as they are, after what is held. Netty's encoder still decides every byte; only how
 * its output is handed on changes.
 *
 * <p>Only writes with the void promise are held (the router forwards that way); a write with a
 * promise of its own goes out as Netty writes it, after what is held. What is held is written at
 * the message's end, at a flush, a close, and when the encoder is removed. One instance per
 * encoder, on its channel's event loop.
 */
final class OneBufferWrites {
    /** Netty's {@code encode}: what a message becomes, added to {@code out}. */
    @FunctionalInterface
    interface Encoder {
        void encode(ChannelHandlerContext ctx, Object msg, List<Object> out) throws Exception;
    }

    private final Encoder encoder;
    private final List<Object> out = new ArrayList<>(4);
    /** An encoded head and what was copied behind it, not yet written; this writer's own buffer. */
    private ByteBuf held;

    OneBufferWrites(Encoder encoder) {
        this.encoder = encoder;
    }

    /**
     * Encodes {@code msg} (which the encoder accepts) and writes or holds the result; the caller
     * checked that the promise is the void one.
     */
    void write(ChannelHandlerContext ctx, Object msg) {
        boolean head = msg instanceof HttpMessage;
        try {
            encoder.encode(ctx, msg, out);
        } catch (EncoderException e) {
            throw e;
        } catch (Throwable t) {
            throw new EncoderException(t);
        } finally {
            for (int i = 0; i < out.size(); i++) take(ctx, out.get(i), head && i == 0);
            out.clear();
        }
        if (msg instanceof LastHttpContent) writeHeld(ctx);
    }

    /** One piece of the encoder's output: becomes the held head, joins it, or is written after it. */
    private void take(ChannelHandlerContext ctx, Object o, boolean encodedHead) {
        if (!(o instanceof ByteBuf b)) {
            writeHeld(ctx);
            ctx.write(o, ctx.voidPromise());
            return;
        }
        int n = b.readableBytes();
        if (n == 0) { // an empty last piece, or the end of a message that had no body: nothing for the wire
            b.release();
            return;
        }
        if (held == null && encodedHead) { // the head's buffer was allocated by the encoder for it alone
            held = b;
            return;
        }
        if (held != null && n <= held.maxFastWritableBytes()) { // room left in the head's buffer: a copy, no new buffer
            try {
                held.writeBytes(b, b.readerIndex(), n);
            } finally {
                b.release();
            }
            return;
        }
        writeHeld(ctx);
        ctx.write(b, ctx.voidPromise());
    }

    /** The encoder's flush: what is held goes first. */
    void flush(ChannelHandlerContext ctx) {
        writeHeld(ctx);
        ctx.flush();
    }

    /** The encoder's close: what is held is written first, as any write before a close is. */
    void close(ChannelHandlerContext ctx, io.netty.channel.ChannelPromise promise) {
        writeHeld(ctx);
        ctx.close(promise);
    }

    /** Writes what is held, if anything; before a flush, a close, or a write that is not held. */
    void writeHeld(ChannelHandlerContext ctx) {
        ByteBuf h = held;
        if (h == null) return;
        held = null;
        ctx.write(h, ctx.voidPromise());
    }
}
