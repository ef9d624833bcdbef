package dev.ficus.proxy.router;

import java.util.concurrent.ThreadLocalRandom;

/** Version-4 UUID strings for {@code x-request-id}, built from a thread-local random without locks. */
final class RequestIds {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private RequestIds() {}

    static String next() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long hi = (r.nextLong() & ~0xF000L) | 0x4000L;
        long lo = (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        char[] c = new char[36];
        int p = 0;
        for (int i = 15; i >= 0; i--) {
            c[p++] = HEX[(int) (hi >>> (i * 4)) & 0xF];
            if (p == 8 || p == 13) c[p++] = '-';
        }
        c[p++] = '-';
        for (int i = 15; i >= 0; i--) {
            c[p++] = HEX[(int) (lo >>> (i * 4)) & 0xF];
            if (p == 23) c[p++] = '-';
        }
        return new String(c);
    }
}
