package dev.ficus.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;

/**
 * HTTP/1.1 keep-alive: every send writes a duplicate of the request encoded once, and a lean
 * {@link ResponseParser} finds each response's status and end. One request at a time per
 * connection, so every request's id is 0.
 */
final class Http1Wire implements Wire {
    private final ByteBuf request; // direct; released after the run
    private final ByteBuf shared; // unreleasable read-only view: writes take duplicates
    private final boolean head;

    Http1Wire(LoadConfig config) {
        this.request = RequestEncoder.direct(config);
        this.shared = RequestEncoder.unreleasable(request);
        this.head = config.method().equals("HEAD");
    }

    @Override
    public Exchanges attach(Channel ch, Sink sink) {
        Exchanges exchanges = new Exchanges() {
            @Override
            public Channel channel() {
                return ch;
            }

            @Override
            public int send() {
                ch.writeAndFlush(shared.duplicate(), ch.voidPromise());
                return 0;
            }

            @Override
            public boolean cancel(int id) {
                return false; // HTTP/1.1 cannot abandon one request and keep the connection
            }
        };
        ch.pipeline().addLast("parser", new ResponseParser(head, new ResponseParser.Listener() {
            @Override
            public void onResponse(int code, long headerBytes, long totalBytes) {
                sink.response(exchanges, 0, code, headerBytes, totalBytes);
            }

            @Override
            public void onMalformed(String why) {
                sink.retired(exchanges, -1, ErrorKind.PROTOCOL);
            }
        }));
        return exchanges;
    }

    @Override
    public void release() {
        request.release();
    }
}
