package dev.ficus.proxy.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.TreeSet;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** gRPC message boundaries found across arbitrary chunking of a body. */
class GrpcMessageCounterTest {

    /** A gRPC body: each message a flag byte, its big-endian length and that many payload bytes. */
    static byte[] body(List<Integer> sizes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int k = 0;
        for (int size : sizes) {
            out.write(k++ % 2); // compressed or not: the flag never matters for counting
            out.write(size >>> 24);
            out.write(size >>> 16);
            out.write(size >>> 8);
            out.write(size);
            // payload bytes that look like prefixes (0 and 1), so that a counter that loses its place shows it
            for (int i = 0; i < size; i++) out.write(i % 3 == 0 ? 0 : 1);
        }
        return out.toByteArray();
    }

    /**
     * Feeds {@code body} in chunks cut at {@code cuts}, each chunk behind a few bytes already read
     * (a reader index past 0), and returns the messages counted; checks no chunk was consumed.
     */
    static long feed(GrpcMessageCounter c, byte[] body, TreeSet<Integer> cuts) {
        long n = 0;
        int from = 0;
        TreeSet<Integer> all = new TreeSet<>(cuts);
        all.add(body.length);
        for (int to : all) {
            if (to <= from || to > body.length) continue;
            ByteBuf chunk = Unpooled.buffer(3 + to - from);
            chunk.writeBytes(new byte[] {9, 9, 9}).writeBytes(body, from, to - from).skipBytes(3);
            int before = chunk.readerIndex();
            n += c.count(chunk);
            assertThat(chunk.readerIndex()).as("counting reads in place").isEqualTo(before);
            chunk.release();
            from = to;
        }
        return n;
    }

    @Property(tries = 500)
    void countsEveryMessageWhateverTheChunking(@ForAll @Size(max = 40) List<@IntRange(max = 300) Integer> sizes,
                                               @ForAll @Size(max = 60) List<@IntRange(min = 1, max = 20_000) Integer> cutPoints) {
        byte[] body = body(sizes);
        TreeSet<Integer> cuts = new TreeSet<>();
        for (int p : cutPoints) if (body.length > 0) cuts.add(p % body.length);
        assertThat(feed(new GrpcMessageCounter(), body, cuts)).isEqualTo(sizes.size());
    }

    @Property(tries = 200)
    void countsByteByByteAsWellAsWhole(@ForAll @Size(max = 12) List<@IntRange(max = 70_000) Integer> sizes) {
        byte[] body = body(sizes);
        TreeSet<Integer> everyByte = new TreeSet<>();
        for (int i = 1; i < Math.min(body.length, 200); i++) everyByte.add(i); // the first prefixes split at every byte
        assertThat(feed(new GrpcMessageCounter(), body, everyByte)).isEqualTo(sizes.size());
        assertThat(feed(new GrpcMessageCounter(), body, new TreeSet<>())).isEqualTo(sizes.size());
    }

    @Property(tries = 100)
    void aResetForgetsTheMessageInProgress(@ForAll @Size(min = 1, max = 10) List<@IntRange(min = 1, max = 100) Integer> sizes,
                                           @ForAll @IntRange(min = 1, max = 4) int cutInPrefix) {
        GrpcMessageCounter c = new GrpcMessageCounter();
        byte[] first = body(List.of(50));
        feed(c, java.util.Arrays.copyOf(first, cutInPrefix), new TreeSet<>()); // an exchange cut inside a prefix
        c.reset();
        assertThat(feed(c, body(sizes), new TreeSet<>())).isEqualTo(sizes.size());
    }

    @Example
    void aMessageIsCountedWhenItBeginsAndItsPayloadSkippedEvenBeyondTwoGigabytes() {
        GrpcMessageCounter c = new GrpcMessageCounter();
        ByteBuf head = Unpooled.wrappedBuffer(new byte[] {0, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0, 0});
        assertThat(c.count(head)).isEqualTo(1);
        ByteBuf payload = Unpooled.wrappedBuffer(new byte[64 * 1024]); // zeros: flag bytes if the counter lost its place
        for (int i = 0; i < 100; i++) assertThat(c.count(payload)).isZero();
        head.release();
        payload.release();
    }
}
