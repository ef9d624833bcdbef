package dev.ficus.bench.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import org.HdrHistogram.Histogram;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs one load: opens the connections, drives them on their event loops, reports progress once
 * a second on the calling thread and returns the merged result. Bounded in time whatever the
 * target does: warm-up + duration, then at most one request timeout (capped) to drain.
 *
 * <p>Not thread-safe; one run per instance.
 */
public final class LoadGenerator {
    /** Time given to the connections to open before the schedule starts. */
    private static final long CONNECT_WAIT_NANOS = TimeUnit.SECONDS.toNanos(3);
    /** At most this long after the end for responses still in flight. */
    private static final long MAX_DRAIN_NANOS = TimeUnit.SECONDS.toNanos(15);
    private static final long TICK_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final LoadConfig config;

    public LoadGenerator(LoadConfig config) {
        this.config = config;
    }

    /** "epoll" where the native transport loads, else "nio". */
    public static String transportName() {
        return Epoll.isAvailable() ? "epoll" : "nio";
    }

    public LoadResult run(Progress.Listener listener) throws InterruptedException {
        return run(listener, 0);
    }

    /**
     * Runs with the schedule starting at {@code startNanos} ({@link System#nanoTime()}), 0 for as
     * soon as the connections are open. Two loads given starts half a send interval apart
     * interleave their sends, so two targets measured side by side see the same moments of the
     * machine (bench mesh {@code --concurrent-pairs}). A start already past when the connections
     * are open begins at once: the sends due before catch up in the warm-up.
     */
    public LoadResult run(Progress.Listener listener, long startNanos) throws InterruptedException {
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends SocketChannel> channelType = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(config.threads(),
                new DefaultThreadFactory("ficus-bench", true), io);
        Wire wire = wire(config);
        try (GcPauses gc = new GcPauses()) {
            return run(group, channelType, epoll ? "epoll" : "nio", wire, listener, gc, startNanos);
        } finally {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
            wire.release(); // the loops are stopped: no write holds a duplicate any more
        }
    }

    private static Wire wire(LoadConfig config) {
        return switch (config.protocol()) {
            case HTTP1 -> new Http1Wire(config);
            case H2C, GRPC -> new H2Wire(config);
            case TCP -> new TcpEchoWire(config);
        };
    }

    private LoadResult run(EventLoopGroup group, Class<? extends SocketChannel> channelType, String transport,
                           Wire wire, Progress.Listener listener, GcPauses gc, long startAt) throws InterruptedException {
        InetSocketAddress address = new InetSocketAddress(config.target().getHost(),
                config.target().getPort() == -1 ? 80 : config.target().getPort());
        int connectMillis = (int) Math.min(config.timeout().toMillis(), 5_000);
        Bootstrap bootstrap = new Bootstrap().channel(channelType)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, Math.max(1, connectMillis));

        List<EventLoop> loops = new ArrayList<>();
        for (EventExecutor e : group) loops.add((EventLoop) e);
        List<LoopStats> stats = new ArrayList<>();
        for (int i = 0; i < loops.size(); i++) stats.add(new LoopStats());

        CountDownLatch attempted = new CountDownLatch(config.connections());
        CountDownLatch done = new CountDownLatch(config.connections());
        List<ConnectionDriver> drivers = new ArrayList<>(config.connections());
        for (int i = 0; i < config.connections(); i++) {
            int l = i % loops.size();
            drivers.add(new ConnectionDriver(bootstrap, address, loops.get(l), stats.get(l), wire, config, i,
                    attempted::countDown, done::countDown));
        }
        for (int i = 0; i < drivers.size(); i++) {
            ConnectionDriver d = drivers.get(i);
            loops.get(i % loops.size()).execute(d::connect);
        }
        attempted.await(CONNECT_WAIT_NANOS, TimeUnit.NANOSECONDS);

        long start = startAt != 0 ? startAt : System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(5);
        long measureStart = start + config.warmup().toNanos();
        long end = measureStart + config.duration().toNanos();
        long hardStop = end + Math.min(config.timeout().toNanos() + TimeUnit.SECONDS.toNanos(1), MAX_DRAIN_NANOS);
        for (int i = 0; i < drivers.size(); i++) {
            ConnectionDriver d = drivers.get(i);
            loops.get(i % loops.size()).execute(() -> d.begin(start, measureStart, end));
        }
        Instant wallStart = Instant.now().plusNanos(measureStart - System.nanoTime());

        Histogram latency = newHistogram();
        Histogram service = newHistogram();
        Histogram interval = newHistogram();
        long lastTick = start;
        long lastCompleted = 0;
        // One iteration a second at most, and never past the hard stop: bounded by (hardStop - start) / 1 s + 1.
        // Nobody listening (bench mesh): no ticks, so this thread does not wake beside the event loops
        // to copy histograms once a second; everything is read once at the end.
        boolean ticks = listener != Progress.Listener.NONE;
        if (!ticks) done.await(Math.max(0, hardStop - System.nanoTime()), TimeUnit.NANOSECONDS);
        while (ticks) {
            long now = System.nanoTime();
            long nextTick = Math.min(lastTick + TICK_NANOS, hardStop);
            boolean finished = done.await(Math.max(0, nextTick - now), TimeUnit.NANOSECONDS);
            now = System.nanoTime();
            if (finished || now >= hardStop) break;
            if (now < lastTick + TICK_NANOS) continue;
            interval.reset();
            long completed = 0;
            long errors = 0;
            for (LoopStats s : stats) {
                Histogram h = s.latency.getIntervalHistogram();
                interval.add(h);
                service.add(s.serviceTime.getIntervalHistogram());
                completed += s.completed.get();
                for (int i = 0; i < s.errors.length(); i++) errors += s.errors.get(i);
            }
            latency.add(interval);
            double rate = (completed - lastCompleted) * 1e9 / (now - lastTick);
            Progress.Phase phase = now < measureStart ? Progress.Phase.WARMUP
                    : now < end ? Progress.Phase.MEASURING : Progress.Phase.DRAINING;
            listener.onProgress(new Progress(Duration.ofNanos(now - start), phase, rate,
                    interval.getTotalCount() == 0 ? 0 : interval.getValueAtPercentile(50),
                    interval.getTotalCount() == 0 ? 0 : interval.getValueAtPercentile(99), errors));
            lastTick = now;
            lastCompleted = completed;
        }
        // Whatever is still running (a target that never answers) is stopped here.
        for (int i = 0; i < drivers.size(); i++) {
            ConnectionDriver d = drivers.get(i);
            loops.get(i % loops.size()).execute(d::abort);
        }
        done.await(2, TimeUnit.SECONDS);
        long stopped = System.nanoTime(); // responses of requests due before the end are recorded until here

        // A task on each loop publishes that loop's plain fields to this thread (Future.get is a barrier).
        Map<Integer, Long> codes = new TreeMap<>();
        Map<ErrorKind, Long> errors = new EnumMap<>(ErrorKind.class);
        for (ErrorKind k : ErrorKind.values()) errors.put(k, 0L);
        SizeStats sizes = new SizeStats();
        SizeStats headerSizes = new SizeStats();
        long sent = 0, inWindow = 0, late = 0, opened = 0, ownLate = 0, loopWait = 0;
        Histogram ownLateness = newHistogram();
        for (int l = 0; l < loops.size(); l++) {
            LoopStats s = stats.get(l);
            Future<Long> barrier = loops.get(l).submit(LoopStats::threadRunDelayNanos);
            try {
                long waited = barrier.get(2, TimeUnit.SECONDS);
                loopWait = loopWait < 0 || waited < 0 || s.runDelayAtBegin < 0 ? -1 : loopWait + waited - s.runDelayAtBegin;
            } catch (ExecutionException | TimeoutException e) {
                throw new IllegalStateException("event loop did not stop in time", e);
            }
            ownLateness.add(s.ownLateness);
            ownLate += s.ownLate;
            latency.add(s.latency.getIntervalHistogram());
            service.add(s.serviceTime.getIntervalHistogram());
            for (int c = 0; c < s.statusCodes.length; c++) {
                if (s.statusCodes[c] > 0) codes.merge(c, s.statusCodes[c], Long::sum);
            }
            for (ErrorKind k : ErrorKind.values()) errors.merge(k, s.errors.get(k.ordinal()), Long::sum);
            sizes.add(s.responseSizes);
            headerSizes.add(s.headerSizes);
            sent += s.sent.get();
            inWindow += s.inWindow.get();
            late += s.late.get();
            opened += s.connectionsOpened.get();
        }
        Duration measured = config.duration();
        List<GcPauses.Pause> pauses = gc.during(measureStart, stopped);
        LoadResult.Instrument instrument = new LoadResult.Instrument(ownLateness, ownLate, loopWait, pauses.size(),
                pauses.stream().mapToLong(GcPauses.Pause::millis).sum(), pauses.stream().mapToLong(GcPauses.Pause::millis).max().orElse(0));
        return new LoadResult(config, transport, wallStart, wallStart.plus(measured), measured, latency, service,
                sent, inWindow, Map.copyOf(codes), Map.copyOf(errors), late, sizes, headerSizes, opened, instrument);
    }

    private static Histogram newHistogram() {
        return new Histogram(LoopStats.LOWEST_US, LoopStats.HIGHEST_US, LoopStats.DIGITS);
    }
}
