package dev.ficus.proxy.detect;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * Reads the server name (SNI) and the offered ALPN protocols from a TLS ClientHello without consuming it. Only the first TLS
 * record is looked at (a ClientHello fits in one record in practice); every length is checked
 * against its enclosing one, so malformed input yields "no name", never an exception.
 */
public final class ClientHello {
    /** A TLS record carries at most 2^14 bytes plus its 5-byte header. */
    public static final int MAX_RECORD = 5 + 16384;
    /** Returned by {@link #serverName} when the record is not complete yet. */
    public static final String INCOMPLETE = new String("incomplete");

    private ClientHello() {}

    /** True when the bytes may start a TLS handshake record (content type 22, major version 3). */
    public static boolean looksLikeTls(ByteBuf in) {
        int i = in.readerIndex();
        if (in.readableBytes() < 1 || in.getUnsignedByte(i) != 22) return false;
        return in.readableBytes() < 2 || in.getUnsignedByte(i + 1) == 3;
    }

    /** The host name of the server_name extension, null when absent or malformed, {@link #INCOMPLETE} when more bytes are needed. */
    public static String serverName(ByteBuf in) {
        if (in.readableBytes() < 5) return INCOMPLETE;
        int record = in.getUnsignedShort(in.readerIndex() + 3);
        if (5 + record > MAX_RECORD) return null; // a ClientHello is plaintext: longer is malformed, decided now rather than after bytes that never come
        if (in.readableBytes() < 5 + record) return INCOMPLETE;
        long ext = extension(in, 0);
        if (ext < 0) return null;
        int p = (int) (ext >>> 32), len = (int) ext;
        // server_name: list length, then (type, length, name) entries
        int q = p + 2;
        int listEnd = Math.min(p + len, q + (len >= 2 ? in.getUnsignedShort(p) : 0));
        while (q + 3 <= listEnd) {
            int nameType = in.getUnsignedByte(q);
            int nameLen = in.getUnsignedShort(q + 1);
            q += 3;
            if (q + nameLen > listEnd) return null;
            if (nameType == 0 && nameLen > 0) return in.toString(q, nameLen, StandardCharsets.US_ASCII);
            q += nameLen;
        }
        return null;
    }

    /**
     * Whether the ALPN extension offers {@code protocol} (ASCII bytes). Call once the record is
     * complete ({@link #serverName} did not say {@link #INCOMPLETE}); malformed input: false.
     */
    public static boolean offersAlpn(ByteBuf in, byte[] protocol) {
        long ext = extension(in, 16);
        if (ext < 0) return false;
        int p = (int) (ext >>> 32), len = (int) ext;
        int q = p + 2;
        int listEnd = Math.min(p + len, q + (len >= 2 ? in.getUnsignedShort(p) : 0));
        while (q + 1 <= listEnd) {
            int n = in.getUnsignedByte(q++);
            if (q + n > listEnd) return false;
            if (n == protocol.length) {
                boolean same = true;
                for (int i = 0; i < n && same; i++) same = in.getByte(q + i) == protocol[i];
                if (same) return true;
            }
            q += n;
        }
        return false;
    }

    /** Offset (high 32 bits) and length (low 32 bits) of extension {@code type} in the first record; -1 when absent or malformed. */
    private static long extension(ByteBuf in, int type) {
        int base = in.readerIndex();
        if (in.readableBytes() < 5) return -1;
        int recordLength = in.getUnsignedShort(base + 3);
        if (in.readableBytes() < 5 + recordLength) return -1;
        int p = base + 5;
        int end = p + recordLength;
        if (p + 4 > end || in.getUnsignedByte(p) != 1) return -1; // handshake type client_hello
        int helloEnd = Math.min(end, p + 4 + in.getUnsignedMedium(p + 1));
        p += 4 + 2 + 32; // header, client_version, random
        if (p + 1 > helloEnd) return -1;
        p += 1 + in.getUnsignedByte(p); // session id
        if (p + 2 > helloEnd) return -1;
        p += 2 + in.getUnsignedShort(p); // cipher suites
        if (p + 1 > helloEnd) return -1;
        p += 1 + in.getUnsignedByte(p); // compression methods
        if (p + 2 > helloEnd) return -1;
        int extEnd = Math.min(helloEnd, p + 2 + in.getUnsignedShort(p));
        p += 2;
        while (p + 4 <= extEnd) {
            int t = in.getUnsignedShort(p);
            int len = in.getUnsignedShort(p + 2);
            p += 4;
            if (p + len > extEnd) return -1;
            if (t == type) return ((long) p << 32) | len;
            p += len;
        }
        return -1;
    }
}
