package dev.ficus.bench.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
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
 * One keep-alive HTTP/1.1 connection and its share of the schedule. Every method runs on the
 * connection's event loop, so the state below needs no locks and no volatile fields.
 *
 * <p>Open loop (as wrk2 does): request {@code k} of this connection is due at
 * {@code first + k * interval}; it is sent at that time, or as soon as the connection is free if
 * the previous response came later. Its latency is counted from the due time, not from the send,
 * so a stalled target shows up in every request the stall delayed (no coordinated omission).
 * Closed loop: the next request goes out as soon as the previous response is in.
 */
final class ConnectionDriver {
    private static final long RECONNECT_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final Bootstrap bootstrap;
    private final SocketAddress address;
    private final EventLoop loop;
    private final LoopStats stats;
    private final ByteBuf request; // shared, unreleasable; written as duplicates
    private final boolean head;
    private final boolean closedLoop;
    private final long timeoutNanos;
    private final long budget;
    private final Runnable onDone;
    private final Runnable onFirstConnectAttempt;

    // Schedule (open loop): due time of request k = first + k * interval.
    private final double intervalNanos;
    private final long offsetNanos;
    private long first;
    private long measureStart;
    private long end;
    private boolean started;
    private boolean finished;
    private boolean attempted;

    private long k;
    private Channel channel;
    private boolean connecting;
    private boolean inFlight;
    private boolean timerPending;
    private long due;
    private long sentAt;
    private ScheduledFuture<?> watchdog;

    ConnectionDriver(Bootstrap bootstrap, SocketAddress address, EventLoop loop, LoopStats stats, ByteBuf request,
                     LoadConfig config, int index, Runnable onFirstConnectAttempt, Runnable onDone) {
        this.bootstrap = bootstrap;
        this.address = address;
        this.loop = loop;
        this.stats = stats;
        this.request = request;
        this.head = config.method().equals("HEAD");
        this.closedLoop = config.closedLoop();
        this.timeoutNanos = config.timeout().toNanos();
        // Spread the requests over connections: ceil(max / C) each keeps the total within max + C.
        this.budget = config.maxRequests() == Long.MAX_VALUE ? Long.MAX_VALUE
                : Math.max(1, (config.maxRequests() + config.connections() - 1) / config.connections());
        this.onFirstConnectAttempt = onFirstConnectAttempt;
        this.onDone = onDone;
        if (closedLoop) {
            this.intervalNanos = 0;
            this.offsetNanos = 0;
        } else {
            // C connections each at rate/C, shifted by 1/rate from each other: together a uniform rate.
            this.intervalNanos = config.connections() * 1e9 / config.rate();
            this.offsetNanos = (long) (index * 1e9 / config.rate());
        }
    }

    /** Opens the connection; the schedule starts with {@link #begin}. */
    void connect() {
        if (connecting || finished) return;
        connecting = true;
        ChannelFuture f = bootstrap.clone(loop).handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast("parser", new ResponseParser(head, new ResponseParser.Listener() {
                    @Override
                    public void onResponse(int code, long headerBytes, long totalBytes) {
                        if (ch == channel && inFlight) completed(code, headerBytes, totalBytes);
                    }

                    @Override
                    public void onMalformed(String why) {
                        if (ch == channel) protocolError(ch);
                    }
                }));
                ch.pipeline().addLast("driver", new ConnectionHandler());
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
                channel = cf.channel();
                trySend(false);
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
        this.first = start + offsetNanos;
        this.measureStart = measureStart;
        this.end = end;
        this.started = true;
        long period = Math.max(TimeUnit.MILLISECONDS.toNanos(10), Math.min(timeoutNanos / 4, TimeUnit.MILLISECONDS.toNanos(250)));
        watchdog = loop.scheduleAtFixedRate(this::checkTimeout, period, period, TimeUnit.NANOSECONDS);
        trySend(false);
    }

    /** Stops now: whatever is in flight is abandoned (counted as a timeout if it was measured). */
    void abort() {
        if (finished) return;
        if (inFlight && due >= measureStart) {
            stats.error(ErrorKind.TIMEOUT);
        }
        inFlight = false;
        finish();
    }

    private void finish() {
        if (finished) return;
        finished = true;
        if (watchdog != null) watchdog.cancel(false);
        if (channel != null) channel.close();
        onDone.run();
    }

    private void trySend(boolean fromTimer) {
        if (!started || finished || inFlight) return;
        long now = System.nanoTime();
        long next;
        if (closedLoop) {
            next = now;
            if (now >= end || k >= budget) {
                finish();
                return;
            }
        } else {
            next = first + (long) (k * intervalNanos);
            if (next >= end || k >= budget) {
                finish();
                return;
            }
            if (next > now) {
                if (!timerPending) {
                    timerPending = true;
                    loop.schedule(() -> {
                        timerPending = false;
                        trySend(true);
                    }, next - now, TimeUnit.NANOSECONDS);
                }
                return;
            }
        }
        if (channel == null || !channel.isActive()) {
            return; // reconnecting; sends when the new connection is up, still measured from `next`
        }
        if (!fromTimer && !closedLoop && next < now && next >= measureStart) {
            LoopStats.increment(stats.late); // the schedule fell behind: the connection was busy
        }
        k++;
        due = next;
        inFlight = true;
        sentAt = System.nanoTime();
        LoopStats.increment(stats.sent);
        channel.writeAndFlush(request.duplicate(), channel.voidPromise());
    }

    private void checkTimeout() {
        if (finished) return;
        long now = System.nanoTime();
        if (inFlight && now - sentAt >= timeoutNanos) {
            if (due >= measureStart) stats.error(ErrorKind.TIMEOUT);
            inFlight = false;
            Channel c = channel;
            channel = null;
            if (c != null) c.close(); // the reply may still come: this connection cannot be reused
            connect();
        } else if (!inFlight && now >= end) {
            finish(); // nothing in flight after the end (e.g. still reconnecting): done
        }
    }

    private void completed(int status, long headerBytes, long totalBytes) {
        long now = System.nanoTime();
        inFlight = false;
        LoopStats.increment(stats.completed);
        if (due >= measureStart) {
            stats.latency.recordValue(LoopStats.clampMicros(now - due));
            stats.serviceTime.recordValue(LoopStats.clampMicros(now - sentAt));
            if (status > 0 && status < stats.statusCodes.length) stats.statusCodes[status]++;
            if (status >= 500) stats.error(ErrorKind.STATUS_5XX);
            else if (status >= 400) stats.error(ErrorKind.STATUS_4XX);
            stats.responseSizes.record(totalBytes);
            stats.headerSizes.record(headerBytes);
            if (now < end) LoopStats.increment(stats.inWindow);
        }
        trySend(false);
    }

    private void protocolError(Channel ch) {
        if (inFlight && due >= measureStart) stats.error(ErrorKind.PROTOCOL);
        inFlight = false;
        channel = null;
        ch.close();
        if (!finished) connect();
    }

    private void connectionLost(Channel lost, ErrorKind kind) {
        if (lost != channel) return; // already replaced (timeout)
        channel = null;
        if (inFlight) {
            inFlight = false;
            if (due >= measureStart) stats.error(kind);
        }
        if (!finished) connect();
    }

    /** Connection events after the parser: a closed or failed connection. */
    private final class ConnectionHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg); // the parser passes nothing on; nothing else may arrive
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            connectionLost(ctx.channel(), ErrorKind.RESET);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // IOException: reset by peer and the like; anything else is still the connection's end.
            connectionLost(ctx.channel(), cause instanceof IOException ? ErrorKind.RESET : ErrorKind.PROTOCOL);
            ctx.close();
        }
    }
}
