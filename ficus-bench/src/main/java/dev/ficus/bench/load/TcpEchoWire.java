package dev.ficus.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

import java.util.Arrays;

/**
 * TCP echo: an exchange writes the body bytes and ends when as many bytes have come back (as
 * Fortio's TCP runner does, though the bytes are counted, not compared). Bytes beyond what was
 * sent, or bytes while nothing is in flight, break the connection as a protocol error.
 */
final class TcpEchoWire implements Wire {
    private final ByteBuf payload; // direct; released after the run
    private final ByteBuf shared;
    private final int size;

    TcpEchoWire(LoadConfig config) {
        this.size = config.bodySize();
        byte[] bytes = new byte[size];
        Arrays.fill(bytes, (byte) 'x');
        this.payload = Unpooled.directBuffer(size).writeBytes(bytes);
        this.shared = RequestEncoder.unreleasable(payload);
    }

    @Override
    public Exchanges attach(Channel ch, Sink sink) {
        EchoHandler h = new EchoHandler(ch, sink);
        ch.pipeline().addLast("echo", h);
        return h;
    }

    @Override
    public void release() {
        payload.release();
    }

    /** Counts the bytes back of the one exchange in flight. */
    private final class EchoHandler extends ChannelInboundHandlerAdapter implements Exchanges {
        private final Channel ch;
        private final Sink sink;
        private long expected; // bytes still to come back

        EchoHandler(Channel ch, Sink sink) {
            this.ch = ch;
            this.sink = sink;
        }

        @Override
        public Channel channel() {
            return ch;
        }

        @Override
        public int send() {
            expected = size;
            ch.writeAndFlush(shared.duplicate(), ch.voidPromise());
            return 0;
        }

        @Override
        public boolean cancel(int id) {
            return false; // late echo bytes would be taken for the next exchange's
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf b)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            int n = b.readableBytes();
            b.release();
            if (n > expected) {
                expected = 0;
                sink.retired(this, -1, ErrorKind.PROTOCOL);
                return;
            }
            expected -= n;
            if (expected == 0) sink.response(this, 0, 0, 0, size);
        }
    }
}
