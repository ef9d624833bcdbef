package dev.ficus.proxy.telemetry;

import io.netty.buffer.ByteBuf;

/**
 * Finds gRPC message boundaries in one direction of an exchange's body, chunk by chunk, for
 * istio_request_messages_total and istio_response_messages_total. A gRPC body is a sequence of
 * length-prefixed messages (a 1-byte flag, a 4-byte big-endian length, the payload); a prefix may
 * be split across chunks and a chunk may hold several messages. A message is counted when its
 * flag byte passes, as Envoy's gRPC frame inspector counts it, so a message cut short by a reset
 * still counts.
 *
 * <p>Reads the chunk's bytes in place (no copy, reader index untouched) and only the five prefix
 * bytes of each message: a payload is skipped by arithmetic. Called on the exchange's event loop.
 */
final class GrpcMessageCounter {
    private static final int PREFIX = 5;
    /** Prefix bytes still to read: 5 before a message's flag byte, 4..1 inside its length. */
    private int prefixLeft = PREFIX;
    /** The length read so far (big-endian, as bytes arrive). */
    private int length;
    /** Payload bytes of the current message not seen yet. */
    private long payloadLeft;

    /** Forgets any message in progress: a new exchange starts. */
    void reset() {
        prefixLeft = PREFIX;
        length = 0;
        payloadLeft = 0;
    }

    /** The messages that begin in {@code chunk}'s readable bytes. */
    int count(ByteBuf chunk) {
        int i = chunk.readerIndex();
        int end = chunk.writerIndex();
        int n = 0;
        while (i < end) {
            if (payloadLeft > 0) {
                int skip = (int) Math.min(payloadLeft, end - i);
                i += skip;
                payloadLeft -= skip;
            } else if (prefixLeft == PREFIX) { // the flag byte: a message begins
                n++;
                i++;
                prefixLeft = PREFIX - 1;
                length = 0;
            } else {
                if (prefixLeft == PREFIX - 1 && end - i >= 4) { // the whole length is in this chunk
                    length = chunk.getInt(i);
                    i += 4;
                    prefixLeft = 0;
                } else {
                    length = length << 8 | chunk.getByte(i) & 0xff;
                    i++;
                    prefixLeft--;
                }
                if (prefixLeft == 0) {
                    payloadLeft = Integer.toUnsignedLong(length);
                    prefixLeft = PREFIX;
                }
            }
        }
        return n;
    }
}
