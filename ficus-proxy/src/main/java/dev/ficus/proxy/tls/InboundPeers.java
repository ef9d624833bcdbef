package dev.ficus.proxy.tls;

import dev.ficus.api.JsonText;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Who connects to one inbound listener and how: per source address and peer identity, the
 * connections of each of the last {@value #MINUTES} minutes, over mTLS or in plaintext. This is
 * the data behind {@code ficus mtls status}: before switching a port to STRICT, it names the
 * callers that still speak plaintext. Recording is one map lookup and one atomic add per
 * connection (not per request); the map is bounded, further callers only counted.
 */
public final class InboundPeers {
    public static final int MINUTES = 60;
    static final int MAX_CALLERS = 1024;

    /** One caller: its address, its SPIFFE principal (mTLS) or null (plaintext). */
    record Key(String address, String principal, boolean mtls) {
    }

    /** Connections per minute in a ring; a slot is reset when its minute comes round again. */
    static final class Counts {
        final AtomicLongArray minute = new AtomicLongArray(MINUTES);
        final AtomicLongArray count = new AtomicLongArray(MINUTES);
        final AtomicLong lastSeen = new AtomicLong();

        void add(long nowMinute, long nowMillis) {
            int slot = (int) (nowMinute % MINUTES);
            long was = minute.get(slot);
            if (was != nowMinute && minute.compareAndSet(slot, was, nowMinute)) count.set(slot, 0);
            count.incrementAndGet(slot);
            lastSeen.set(nowMillis);
        }

        long since(long firstMinute) {
            long n = 0;
            for (int i = 0; i < MINUTES; i++) if (minute.get(i) >= firstMinute) n += count.get(i);
            return n;
        }
    }

    private final Clock clock;
    private final Map<Key, Counts> callers = new ConcurrentHashMap<>();
    private final LongAdder overflow = new LongAdder();

    public InboundPeers(Clock clock) { this.clock = clock; }

    public InboundPeers() { this(Clock.systemUTC()); }

    /** Counts one accepted connection from {@code address} with what it proved. */
    public void record(String address, PeerAuth peer) {
        Key k = new Key(address, peer.principal(), peer.mutualTls());
        Counts c = callers.get(k);
        if (c == null) {
            if (callers.size() >= MAX_CALLERS) {
                overflow.increment();
                return;
            }
            c = callers.computeIfAbsent(k, x -> new Counts());
        }
        long now = clock.millis();
        c.add(now / 60_000, now);
    }

    /** One caller seen within the window, as reported. */
    public record Caller(String address, String principal, boolean mtls, long connections, long lastSeenMillis) {
    }

    /** The callers seen within the last {@code minutes} (1..60), plaintext first. */
    public List<Caller> callers(int minutes) {
        long now = clock.millis() / 60_000;
        long first = now - Math.max(1, Math.min(MINUTES, minutes)) + 1;
        List<Caller> out = new ArrayList<>();
        callers.forEach((k, c) -> {
            long n = c.since(first);
            if (n > 0) out.add(new Caller(k.address(), k.principal(), k.mtls(), n, c.lastSeen.get()));
        });
        out.sort(Comparator.comparing(Caller::mtls).thenComparing(Caller::address));
        return out;
    }

    public long overflow() { return overflow.sum(); }

    /** The peer's IP address as text (without the port: callers are told apart by address). */
    public static String address(io.netty.channel.Channel ch) {
        return ch.remoteAddress() instanceof java.net.InetSocketAddress a && a.getAddress() != null
                ? a.getAddress().getHostAddress() : String.valueOf(ch.remoteAddress());
    }

    /** The JSON of {@code /mtls} for this listener. */
    public static String json(String listener, String mode, List<Caller> callers, long overflow) {
        StringBuilder b = new StringBuilder(128 + callers.size() * 96);
        long plaintext = callers.stream().filter(c -> !c.mtls()).count();
        b.append("{\"listener\":").append(JsonText.quote(listener)).append(",\"mode\":").append(JsonText.quote(mode))
                .append(",\"strictWouldRefuse\":").append(plaintext).append(",\"callers\":[");
        for (int i = 0; i < callers.size(); i++) {
            Caller c = callers.get(i);
            if (i > 0) b.append(',');
            b.append("{\"address\":").append(JsonText.quote(c.address()))
                    .append(",\"security\":").append(c.mtls() ? "\"mutual_tls\"" : "\"plaintext\"")
                    .append(",\"principal\":").append(c.principal() == null ? "null" : JsonText.quote(c.principal()))
                    .append(",\"connections\":").append(c.connections())
                    .append(",\"lastSeen\":").append(JsonText.quote(java.time.Instant.ofEpochMilli(c.lastSeenMillis()).toString()))
                    .append('}');
        }
        return b.append("],\"untrackedConnections\":").append(overflow).append('}').toString();
    }
}
