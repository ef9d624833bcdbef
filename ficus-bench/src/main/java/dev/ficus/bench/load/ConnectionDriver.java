package dev.ficus.bench.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.io.IOException;
import java.net.SocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * One connection (reopened when lost) and its share of the schedule, split into slots: one per
 * request that may be in flight at once (one for HTTP/1.1 and TCP, {@code --streams} for HTTP/2).
 * Every method runs on the connection's event loop, so the state below needs no locks and no
 * volatile fields; the {@link Wire} moves the protocol's bytes.
 *
 * <p>Open loop (as wrk2 does): request {@code k} of a slot is due at {@code first + k * interval};
 * it is sent at that time, or as soon as the slot is free if the previous response came later.
 * Its latency is counted from the due time, not from the send, so a stalled target shows up in
 * every request the stall delayed (no coordinated omission). Closed loop: a slot sends its next
 * request as soon as the previous response is in.
 */
final class ConnectionDriver {
    private static final long RECONNECT_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /**
     * Open loop: the timer is set this much before a due time and the loop spins the rest. An
     * epoll timer woke the loop a median 120-160 µs late on a 2-CPU VM shared with builds (70-75
     * µs with the spin; docs/performance.md); spinning costs the loop at most this much per
     * request (5% at 1000/s).
     */
    static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(Long.getLong("ficus.bench.spinMicros", 50)); // 0: the timer alone, as before

    private final Bootstrap bootstrap;
    private final SocketAddress address;
    private final EventLoop loop;
    private final LoopStats stats;
    private final Wire wire;
    private final Protocol protocol;
    private final boolean closedLoop;
    private final long timeoutNanos;
    private final long budget;
    private final Runnable onDone;
    private final Runnable onFirstConnectAttempt;
    private final Wire.Sink sink = new Sink();

    // Schedule (open loop): due time of a slot's request k = first[slot] + k * interval.
    private final double intervalNanos;
    private final long[] first;
    private long measureStart;
    private long end;
    private boolean started;
    private boolean finished;
    private boolean attempted;

    /** The connection new requests go on; null while (re)connecting or after it was retired. */
    private Wire.Exchanges current;
    private boolean connecting;
    private boolean blocked; // a slot could not send: the connection had no free stream
    private ScheduledFuture<?> watchdog;

    // Per slot.
    private final long[] k;
    private final long[] due;
    private final long[] sentAt;
    private final boolean[] inFlight;
    private final boolean[] timerPending;
    private final boolean[] slotDone;
    private final Wire.Exchanges[] on; // the connection a slot's request went out on
    private final int[] id; // its id there
    private final Runnable[] timers; // made once: a send allocates nothing of the driver's own
    private int doneSlots;

    ConnectionDriver(Bootstrap bootstrap, SocketAddress address, EventLoop loop, LoopStats stats, Wire wire,
                     LoadConfig config, int index, Runnable onFirstConnectAttempt, Runnable onDone) {
        this.bootstrap = bootstrap;
        this.address = address;
        this.loop = loop;
        this.stats = stats;
        this.wire = wire;
        this.protocol = config.protocol();
        this.closedLoop = config.closedLoop();
        this.timeoutNanos = config.timeout().toNanos();
        int slots = config.streams();
        int allSlots = config.slots();
        // Spread the requests over slots: ceil(max / slots) each keeps the total within max + slots.
        this.budget = config.maxRequests() == Long.MAX_VALUE ? Long.MAX_VALUE
                : Math.max(1, (config.maxRequests() + allSlots - 1) / allSlots);
        this.onFirstConnectAttempt = onFirstConnectAttempt;
        this.onDone = onDone;
        this.first = new long[slots];
        this.k = new long[slots];
        this.due = new long[slots];
        this.sentAt = new long[slots];
        this.inFlight = new boolean[slots];
        this.timerPending = new boolean[slots];
        this.slotDone = new boolean[slots];
        this.on = new Wire.Exchanges[slots];
        this.id = new int[slots];
        this.timers = new Runnable[slots];
        for (int s = 0; s < slots; s++) {
            int slot = s;
            timers[s] = () -> {
                timerPending[slot] = false;
                trySend(slot, true);
            };
        }
        // All slots each at rate/slots, shifted by 1/rate from each other: together a uniform rate.
        // Slot s of connection c is the (s * C + c)-th, so consecutive sends go to different connections.
        this.intervalNanos = closedLoop ? 0 : allSlots * 1e9 / config.rate();
        for (int s = 0; s < slots; s++) {
            first[s] = closedLoop ? 0 : (long) ((s * (long) config.connections() + index) * 1e9 / config.rate());
        }
    }

    /** Opens the connection; the schedule starts with {@link #begin}. */
    void connect() {
        if (connecting || finished) return;
        connecting = true;
        Wire.Exchanges[] attached = new Wire.Exchanges[1];
        ChannelFuture f = bootstrap.clone(loop).handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                attached[0] = wire.attach(ch, sink);
                ch.pipeline().addLast("driver", new ConnectionHandler(attached[0]));
            }
        }).connect(address);
        f.addListener((ChannelFuture cf) -> {
            connecting = false;
            if (!attempted) {
                attempted = true;
                onFirstConnectAttempt.run();
            }
            if (cf.isSuccess()) {
                LoopStats.increment(stats.connectionsOpened);
                if (finished) {
                    cf.channel().close();
                    return;
                }
                current = attached[0];
                sendAll();
            } else {
                stats.error(ErrorKind.CONNECT);
                retryConnectLater();
            }
        });
    }

    private void retryConnectLater() {
        if (finished) return;
        if (started && System.nanoTime() + RECONNECT_BACKOFF_NANOS >= end) {
            finish();
            return;
        }
        loop.schedule(this::connect, RECONNECT_BACKOFF_NANOS, TimeUnit.NANOSECONDS);
    }

    /** Starts the schedule: sends from {@code start}, records from {@code measureStart}, stops at {@code end}. */
    void begin(long start, long measureStart, long end) {
        for (int s = 0; s < first.length; s++) first[s] += start;
        this.measureStart = measureStart;
        this.end = end;
        this.started = true;
        if (stats.runDelayAtBegin < 0) stats.runDelayAtBegin = LoopStats.threadRunDelayNanos();
        long period = Math.max(TimeUnit.MILLISECONDS.toNanos(10), Math.min(timeoutNanos / 4, TimeUnit.MILLISECONDS.toNanos(250)));
        watchdog = loop.scheduleAtFixedRate(this::checkTimeout, period, period, TimeUnit.NANOSECONDS);
        sendAll();
    }

    /** Stops now: whatever is in flight is abandoned (counted as a timeout if it was measured). */
    void abort() {
        if (finished) return;
        for (int s = 0; s < inFlight.length; s++) {
            if (inFlight[s] && due[s] >= measureStart) stats.error(ErrorKind.TIMEOUT);
            inFlight[s] = false;
        }
        finish();
    }

    private void finish() {
        if (finished) return;
        finished = true;
        if (watchdog != null) watchdog.cancel(false);
        for (Wire.Exchanges e : on) {
            if (e != null) e.channel().close();
        }
        if (current != null) current.channel().close();
        onDone.run();
    }

    private void sendAll() {
        blocked = false;
        for (int s = 0; s < inFlight.length && !finished; s++) trySend(s, false);
    }

    private void trySend(int s, boolean fromTimer) {
        if (!started || finished || inFlight[s] || slotDone[s]) return;
        long now = System.nanoTime();
        long next;
        if (closedLoop) {
            next = now;
            if (now >= end || k[s] >= budget) {
                slotDone(s);
                return;
            }
        } else {
            next = first[s] + (long) (k[s] * intervalNanos);
            if (next >= end || k[s] >= budget) {
                slotDone(s);
                return;
            }
            if (next - now > SPIN_NANOS) {
                if (!timerPending[s]) {
                    timerPending[s] = true;
                    loop.schedule(timers[s], next - now - SPIN_NANOS, TimeUnit.NANOSECONDS);
                }
                return;
            }
            if (next > now) {
                // the last µs before the due time: spun, not slept (the timer wakes up late)
                while (System.nanoTime() < next) Thread.onSpinWait();
                now = System.nanoTime();
                fromTimer = true; // the slot was free at the due time, as for a timer's send
            }
        }
        Wire.Exchanges c = current;
        if (c == null || !c.channel().isActive()) {
            return; // reconnecting; sends when the new connection is up, still measured from `next`
        }
        long sentNow = System.nanoTime();
        int requestId = c.send();
        if (requestId == Wire.NOT_NOW) {
            blocked = true; // retried when a response frees a stream
            return;
        }
        if (requestId == Wire.RETIRE) {
            retire(c);
            return;
        }
        if (!closedLoop && next >= measureStart) {
            if (!fromTimer) {
                if (next < now) LoopStats.increment(stats.late); // the schedule fell behind: the slot was busy
            } else {
                long lateness = sentNow - next; // the slot was free at the due time: only the generator delayed it
                stats.ownLateness.recordValue(LoopStats.clampMicros(lateness));
                if (lateness >= LoadResult.OWN_LATE_NANOS) stats.ownLate++;
            }
        }
        k[s]++;
        due[s] = next;
        inFlight[s] = true;
        sentAt[s] = sentNow;
        on[s] = c;
        id[s] = requestId;
        LoopStats.increment(stats.sent);
    }

    private void slotDone(int s) {
        slotDone[s] = true;
        if (++doneSlots == slotDone.length && !anyInFlight()) finish();
    }

    private boolean anyInFlight() {
        for (boolean b : inFlight) {
            if (b) return true;
        }
        return false;
    }

    /** The slot whose request {@code requestId} is in flight on {@code c}; -1 if none (it timed out, or was reset). */
    private int slotOf(Wire.Exchanges c, int requestId) {
        for (int s = 0; s < inFlight.length; s++) {
            if (inFlight[s] && on[s] == c && id[s] == requestId) return s;
        }
        return -1;
    }

    private void checkTimeout() {
        if (finished) return;
        long now = System.nanoTime();
        boolean any = false;
        for (int s = 0; s < inFlight.length; s++) {
            if (!inFlight[s]) continue;
            if (now - sentAt[s] < timeoutNanos) {
                any = true;
                continue;
            }
            if (due[s] >= measureStart) stats.error(ErrorKind.TIMEOUT);
            inFlight[s] = false;
            Wire.Exchanges c = on[s];
            on[s] = null;
            if (!c.cancel(id[s])) {
                // The reply may still come: this connection cannot be reused.
                lost(c, ErrorKind.TIMEOUT);
                c.channel().close();
            }
            trySend(s, false);
        }
        if (!any && !anyInFlight() && now >= end) {
            finish(); // nothing in flight after the end (e.g. still reconnecting): done
        }
    }

    private void completed(int s, int status, long headerBytes, long totalBytes) {
        long now = System.nanoTime();
        Wire.Exchanges c = on[s];
        inFlight[s] = false;
        on[s] = null;
        LoopStats.increment(stats.completed);
        if (due[s] >= measureStart) {
            stats.latency.recordValue(LoopStats.clampMicros(now - due[s]));
            stats.serviceTime.recordValue(LoopStats.clampMicros(now - sentAt[s]));
            if (status >= 0 && status < stats.statusCodes.length) stats.statusCodes[status]++;
            switch (protocol) {
                case HTTP1, H2C -> {
                    if (status >= 500) stats.error(ErrorKind.STATUS_5XX);
                    else if (status >= 400) stats.error(ErrorKind.STATUS_4XX);
                }
                case GRPC -> {
                    if (status != 0) stats.error(ErrorKind.GRPC_STATUS);
                }
                case TCP -> { }
            }
            stats.responseSizes.record(totalBytes);
            stats.headerSizes.record(headerBytes);
            if (now < end) LoopStats.increment(stats.inWindow);
        }
        closeIfRetiredAndIdle(c);
        afterFree(s);
    }

    private void failed(int s, ErrorKind kind) {
        Wire.Exchanges c = on[s];
        if (due[s] >= measureStart) stats.error(kind);
        inFlight[s] = false;
        on[s] = null;
        closeIfRetiredAndIdle(c);
        afterFree(s);
    }

    /** A slot is free again: it sends its next request, and so may the slots the connection had no stream for. */
    private void afterFree(int s) {
        if (blocked) sendAll();
        else trySend(s, false);
        if (doneSlots == slotDone.length && !anyInFlight()) finish();
    }

    /** Fails every request still in flight on {@code c}; if it was the current connection, opens another. */
    private void lost(Wire.Exchanges c, ErrorKind kind) {
        for (int s = 0; s < inFlight.length; s++) {
            if (inFlight[s] && on[s] == c) {
                if (due[s] >= measureStart) stats.error(kind);
                inFlight[s] = false;
                on[s] = null;
            }
        }
        if (c == current) {
            current = null;
            if (!finished) connect();
        }
    }

    /** New requests go to a new connection; the old one closes once its last answer is in. */
    private void retire(Wire.Exchanges c) {
        if (c == current) {
            current = null;
            if (!finished) connect();
        }
        closeIfRetiredAndIdle(c);
    }

    private void closeIfRetiredAndIdle(Wire.Exchanges c) {
        if (c == null || c == current) return;
        for (int s = 0; s < inFlight.length; s++) {
            if (inFlight[s] && on[s] == c) return;
        }
        c.channel().close();
    }

    /** Answers from the wire, matched to the slot that sent the request. */
    private final class Sink implements Wire.Sink {
        @Override
        public void response(Wire.Exchanges c, int requestId, int status, long headerBytes, long totalBytes) {
            int s = slotOf(c, requestId);
            if (s >= 0) completed(s, status, headerBytes, totalBytes);
        }

        @Override
        public void failed(Wire.Exchanges c, int requestId, ErrorKind kind) {
            int s = slotOf(c, requestId);
            if (s >= 0) ConnectionDriver.this.failed(s, kind);
        }

        @Override
        public void retired(Wire.Exchanges c, int lastId, ErrorKind kind) {
            if (lastId < 0) {
                lost(c, kind);
                c.channel().close();
                return;
            }
            for (int s = 0; s < inFlight.length; s++) {
                if (inFlight[s] && on[s] == c && id[s] > lastId) {
                    if (due[s] >= measureStart) stats.error(kind);
                    inFlight[s] = false;
                    on[s] = null;
                }
            }
            retire(c);
            if (!finished) sendAll();
        }
    }

    /** Connection events after the protocol's handlers: a closed or failed connection. */
    private final class ConnectionHandler extends ChannelInboundHandlerAdapter {
        private final Wire.Exchanges exchanges;

        ConnectionHandler(Wire.Exchanges exchanges) {
            this.exchanges = exchanges;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg); // the wire passes nothing on; nothing else may arrive
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            lost(exchanges, ErrorKind.RESET);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // IOException: reset by peer and the like; anything else is still the connection's end.
            lost(exchanges, cause instanceof IOException ? ErrorKind.RESET : ErrorKind.PROTOCOL);
            ctx.close();
        }
    }
}
