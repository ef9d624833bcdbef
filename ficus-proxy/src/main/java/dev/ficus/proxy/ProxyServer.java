package dev.ficus.proxy;

import dev.ficus.proxy.admin.AdminBackend;
import dev.ficus.proxy.admin.AdminServer;
import dev.ficus.proxy.cluster.ClusterManager;
import dev.ficus.proxy.http.Http1Limits;
import dev.ficus.proxy.lb.LoadBalancerRegistry;
import dev.ficus.proxy.jwt.JwksCache;
import dev.ficus.proxy.tls.InboundPeers;
import dev.ficus.proxy.tls.MeshTls;
import dev.ficus.proxy.tls.MtlsServerHandshake;
import dev.ficus.proxy.tls.ServerTlsContexts;
import dev.ficus.proxy.listener.ConnectionTracker;
import dev.ficus.proxy.listener.ListenerInitializer;
import dev.ficus.proxy.listener.Transport;
import dev.ficus.proxy.parallelrun.ParallelRuns;
import dev.ficus.proxy.pool.UpstreamPools;
import dev.ficus.proxy.route.RuntimeSnapshot;
import dev.ficus.proxy.route.SnapshotHolder;
import dev.ficus.proxy.router.RouterConfig;
import dev.ficus.proxy.tcp.TcpProxyConfig;
import dev.ficus.proxy.telemetry.StatsRegistry;
import dev.ficus.xds.snapshot.ListenerConfig;
import dev.ficus.xds.snapshot.ProxySnapshot;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The data plane as one object: what {@code ficus proxy} starts. It binds the listeners of the
 * current {@link ProxySnapshot}, serves them on {@code concurrency} event loops, and exposes the
 * admin port. {@link #update} installs a new snapshot with one reference write (requests in flight
 * keep theirs); {@link #drain} stops accepting and completes when in-flight exchanges are done;
 * exiting the process afterwards is the caller's decision ({@link Builder#onDrained}).
 *
 * <p>Thread safety: {@code start}, {@code update}, {@code drain} and {@code close} may be called
 * from any thread except an event loop (they wait for binds); the request path never locks.
 */
public final class ProxyServer implements AutoCloseable {
    private final Supplier<ProxySnapshot> initial;
    private final int concurrency;
    private final String adminHost;
    private final int adminPort;
    private final Http1Limits limits;
    private final Transport transport;
    private final Duration drainTimeout;
    private final java.util.function.BooleanSupplier readyWhen;
    private final Runnable onDrained;
    private final Duration detectTimeout;
    private final Duration httpDetectTimeout;
    private final MeshTls meshTls;
    private final java.util.function.Function<String, MeshTls> workloadTls;
    private final java.util.List<dev.ficus.proxy.telemetry.ExchangeObserver.Factory> observers;
    private dev.ficus.proxy.telemetry.TelemetryServices telemetry;

    private final StatsRegistry stats = new StatsRegistry();

    /**
     * Starts loading the native transport (epoll) and BoringSSL on a thread of their own: their
     * one-time set-up (loading the libraries, probing BoringSSL's ciphers) then runs beside the
     * command line's parsing and the configuration's loading instead of after them, so that a
     * proxy is ready sooner. Whoever touches them first later waits for that set-up to finish
     * (class initialization), so calling this is never needed for correctness.
     *
     * <p>With {@code tlsBesideStart} false (a standalone proxy, whose configuration may well need
     * no TLS), BoringSSL waits for {@link #preloadTlsNow()}, called once the proxy serves: its
     * set-up (0.15 CPU-s, a search of every jar for a URL handler among it) would otherwise take
     * CPU from the start on a machine with few cores. A configuration that does need TLS loads
     * it on first use, during the start.
     */
    public static void preloadNatives(boolean tlsBesideStart) {
        Thread t = new Thread(() -> {
            try {
                Transport.best();
                io.netty.buffer.ByteBufAllocator.DEFAULT.buffer(1).release(); // before BoringSSL, which initializes them under its own set-up
                if (!tlsBesideStart) TLS_PRELOAD.await();
                MeshTls.provider().name();
            } catch (Throwable e) { // whoever needs them later gets the same failure, with its context
            }
        }, "ficus-preload");
        t.setDaemon(true);
        t.start();
    }

    private static final java.util.concurrent.CountDownLatch TLS_PRELOAD = new java.util.concurrent.CountDownLatch(1);

    /** Lets a preload started with {@code tlsBesideStart} false load BoringSSL now. */
    public static void preloadTlsNow() {
        TLS_PRELOAD.countDown();
    }

    private final ConnectionTracker tracker = new ConnectionTracker();
    private final JwksCache jwks = new JwksCache(this::outboundListenerRouting);
    private final ParallelRuns parallelRuns = new ParallelRuns();
    private final dev.ficus.proxy.cluster.Passthrough passthrough = new dev.ficus.proxy.cluster.Passthrough(stats.cluster(dev.ficus.proxy.cluster.Passthrough.CLUSTER));
    private final Map<String, Channel> bound = new HashMap<>();
    private final Map<String, ListenerConfig> boundConfig = new HashMap<>();
    private EventLoopGroup workers;
    private ByteBufAllocator allocator;
    private UpstreamPools pools;
    private ClusterManager clusters;
    private SnapshotHolder holder;
    private AdminServer admin;
    private dev.ficus.proxy.admin.MergedMetricsServer mergedMetrics;
    private final int metricsPort;
    private final java.net.URI appMetrics;
    private final Duration tlsReloadInterval;
    private volatile boolean started;
    private CompletableFuture<Void> drained;

    private ProxyServer(Builder b) {
        this.initial = Objects.requireNonNull(b.snapshot, "snapshot supplier");
        this.concurrency = b.concurrency;
        this.adminHost = b.adminHost;
        this.adminPort = b.adminPort;
        this.limits = b.limits;
        this.transport = b.transport != null ? b.transport : Transport.best();
        this.drainTimeout = b.drainTimeout;
        this.readyWhen = b.readyWhen;
        this.onDrained = b.onDrained;
        this.detectTimeout = b.detectTimeout;
        this.httpDetectTimeout = b.httpDetectTimeout;
        this.meshTls = b.meshTls;
        this.workloadTls = b.workloadTls;
        this.observers = java.util.List.copyOf(b.observers);
        this.metricsPort = b.metricsPort;
        this.appMetrics = b.appMetrics;
        this.tlsReloadInterval = b.tlsReloadInterval;
        this.tlsInfo = b.tlsInfo != null ? b.tlsInfo : m -> Log.LOG.log(System.Logger.Level.INFO, m);
        this.tlsError = b.tlsError != null ? b.tlsError : m -> Log.LOG.log(System.Logger.Level.ERROR, m);
    }

    public static Builder builder() { return new Builder(); }

    /** Binds every listener of the initial snapshot and the admin port. */
    public synchronized ProxyServer start() throws InterruptedException {
        if (workers != null) throw new IllegalStateException("already started");
        workers = transport.newGroup(concurrency, "ficus-worker");
        // one arena per event loop, thread caches only on event loops: measured 15% less CPU per
        // request than Netty 4.2's default adaptive allocator on the peer benchmark (docs/performance.md)
        allocator = new PooledByteBufAllocator(true, concurrency, concurrency, 8192, 9, 256, 64, false);
        pools = new UpstreamPools(workers, transport.socketChannel(), allocator, meshTls);
        clusters = new ClusterManager(LoadBalancerRegistry.defaults(), stats);
        telemetry = new dev.ficus.proxy.telemetry.TelemetryServices(stats.istio(), observers);
        ProxySnapshot s = initial.get();
        serverTls = ServerTlsContexts.load(s.listeners(), null, meshTls); // a certificate file that cannot be loaded fails the start
        stats.register(parallelRuns::prometheus);
        holder = new SnapshotHolder(new RuntimeSnapshot(s, clusters.update(s.clusters()), jwks, telemetry, parallelRuns.install(s)));
        try {
            bindListeners(s);
            if (adminPort >= 0) admin = new AdminServer(transport, adminHost, adminPort, new Backend());
            if (metricsPort >= 0) mergedMetrics = new dev.ficus.proxy.admin.MergedMetricsServer(transport, adminHost, metricsPort, stats::prometheus, appMetrics);
        } catch (Exception e) { // includes the BindException Netty's sync() rethrows undeclared
            close();
            throw e;
        }
        if (!tlsReloadInterval.isZero()) watchTlsFiles();
        started = true;
        return this;
    }

    /**
     * Installs {@code next}: new requests use it at once, requests in flight finish on the snapshot
     * they started with. Listeners that appeared are bound first: when one cannot bind, the ones
     * bound for this update are closed again and the exception propagates with nothing changed (a
     * control plane sees the refusal as a NACK). Listeners that disappeared are closed last.
     */
    public synchronized void update(ProxySnapshot next) throws InterruptedException {
        if (workers == null) throw new IllegalStateException("not started");
        // certificate files are read here, off the event loops; one that cannot be loaded refuses the whole snapshot
        ServerTlsContexts.Loaded tls = ServerTlsContexts.load(next.listeners(), serverTls, meshTls);
        Map<String, Channel> fresh = drained == null ? bindNew(next) : Map.of();
        RuntimeSnapshot rs = new RuntimeSnapshot(next, clusters.update(next.clusters()), jwks, telemetry, parallelRuns.install(next));
        serverTls = tls;
        holder.swap(rs);
        if (drained == null) commitListeners(next, fresh);
        pools.sweepRetired();
    }

    private void bindListeners(ProxySnapshot s) throws InterruptedException {
        commitListeners(s, bindNew(s));
    }

    /** Binds the listeners of {@code s} that are not bound as {@code s} wants them; all or none. */
    private Map<String, Channel> bindNew(ProxySnapshot s) throws InterruptedException {
        Map<String, Channel> fresh = new HashMap<>();
        try {
            for (ListenerConfig l : s.listeners()) {
                ListenerConfig was = boundConfig.get(l.name());
                if (was != null && was.bind().equals(l.bind()) && was.protocol() == l.protocol()) continue;
                if (was != null && was.bind().equals(l.bind())) { // same socket, new pipeline: the old one must go first
                    bound.remove(l.name()).close().sync();
                    boundConfig.remove(l.name());
                }
                fresh.put(l.name(), bind(l));
            }
        } catch (Exception e) { // includes the BindException Netty's sync() rethrows undeclared
            for (Channel c : fresh.values()) c.close().sync();
            throw e;
        }
        return fresh;
    }

    /** Puts freshly bound listeners in service and closes the ones {@code s} no longer has. */
    private void commitListeners(ProxySnapshot s, Map<String, Channel> fresh) throws InterruptedException {
        Map<String, ListenerConfig> wanted = new HashMap<>();
        for (ListenerConfig l : s.listeners()) wanted.put(l.name(), l);
        for (var it = bound.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (!wanted.containsKey(e.getKey()) || fresh.containsKey(e.getKey())) {
                e.getValue().close().sync();
                boundConfig.remove(e.getKey());
                it.remove();
            }
        }
        for (var e : fresh.entrySet()) {
            bound.put(e.getKey(), e.getValue());
            boundConfig.put(e.getKey(), wanted.get(e.getKey()));
        }
        passthrough.listening(bound.values().stream().map(c -> (InetSocketAddress) c.localAddress()).toList());
    }

    private final Map<String, MtlsServerHandshake.Counters> mtlsCounters = new java.util.concurrent.ConcurrentHashMap<>();

    /** The TLS servers of the current snapshot's listeners (Gateway HTTPS, Sidecar ingress tls), read per connection. */
    private volatile ServerTlsContexts.Loaded serverTls = ServerTlsContexts.Loaded.EMPTY;

    /**
     * Reads the certificate files of the current snapshot's TLS servers again and serves the new
     * ones when a file changed (new connections get them; open ones keep theirs). Called by the
     * file watcher ({@link Builder#tlsReloadInterval}) or by whoever knows a file changed; a file
     * that cannot be loaded now is thrown as an {@link IllegalArgumentException} naming its YAML
     * position and field, and the certificates in use stay.
     *
     * @return whether anything changed
     */
    public synchronized boolean reloadTlsFiles() {
        if (holder == null) return false;
        ServerTlsContexts.Loaded was = serverTls;
        ServerTlsContexts.Loaded now = ServerTlsContexts.load(holder.current().snapshot().listeners(), was, meshTls);
        if (now.sameAs(was)) return false;
        serverTls = now;
        return true;
    }

    /** Made on first use: the JDK finds its logger back end with a search of every jar of the class
     *  path (~0.1 s of a proxy's start when done while the class loads). */
    private static final class Log {
        static final System.Logger LOG = System.getLogger(ProxyServer.class.getName());
    }
    private final java.util.function.Consumer<String> tlsInfo;
    private final java.util.function.Consumer<String> tlsError;
    private java.util.concurrent.ScheduledExecutorService tlsWatcher;
    private String tlsProblem; // the last reload failure logged, so that a broken file is reported once, not every poll

    /** Polls the certificate files of the TLS servers on a thread of its own (never an event loop). */
    private void watchTlsFiles() {
        tlsWatcher = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ficus-tls-files");
            t.setDaemon(true);
            return t;
        });
        long ms = tlsReloadInterval.toMillis();
        tlsWatcher.scheduleWithFixedDelay(() -> {
            if (serverTls.files().isEmpty()) return;
            try {
                if (reloadTlsFiles()) tlsInfo.accept("TLS certificate files changed: new connections get the new certificates");
                else if (tlsProblem != null) tlsInfo.accept("TLS certificate files are valid again: the certificates served did not change");
                tlsProblem = null;
            } catch (RuntimeException e) {
                if (!String.valueOf(e.getMessage()).equals(tlsProblem)) {
                    tlsProblem = String.valueOf(e.getMessage());
                    tlsError.accept(e.getMessage() + "; still serving the previous certificates");
                }
            }
        }, ms, ms, TimeUnit.MILLISECONDS);
    }

    /** Inbound listeners terminate mesh mTLS as their current PeerAuthentication mode says. */
    private ListenerInitializer.InboundTls inboundTls(ListenerConfig l) {
        if (l.kind() != dev.ficus.xds.snapshot.ListenerKind.INBOUND) return null;
        String name = l.name();
        MeshTls own = l.workload() == null ? null : workloadTls.apply(l.workload());
        return new ListenerInitializer.InboundTls(own != null ? own : meshTls, () -> {
            for (ListenerConfig c : holder.current().snapshot().listeners()) if (c.name().equals(name)) return c.mtls();
            return dev.ficus.xds.snapshot.MtlsMode.DISABLE;
        }, mtlsCounters.computeIfAbsent(name, k -> new MtlsServerHandshake.Counters()), inboundPeers.computeIfAbsent(name, k -> new InboundPeers()));
    }

    private final Map<String, InboundPeers> inboundPeers = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * The address of an outbound HTTP listener of this proxy whose routes name {@code uri}'s
     * authority (by a virtual host of its own, not the catch-all), or null: how the proxy's own
     * fetches (a {@code jwksUri}) reach a mesh service through the mesh. Called off the event loops.
     */
    private InetSocketAddress outboundListenerRouting(java.net.URI uri) {
        SnapshotHolder h = holder;
        if (h == null || uri.getHost() == null) return null;
        int port = uri.getPort() != -1 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
        String authority = uri.getHost() + ":" + port;
        ProxySnapshot s = h.current().snapshot();
        for (ListenerConfig l : s.listeners()) {
            if (l.kind() != dev.ficus.xds.snapshot.ListenerKind.OUTBOUND || l.routeTable() == null
                    || l.protocol() == dev.ficus.xds.snapshot.ListenerProtocol.TCP) continue;
            dev.ficus.xds.snapshot.RouteTable t = s.routeTables().get(l.routeTable());
            if (t == null) continue;
            var vh = t.select(authority);
            if (vh == null || vh == t.select(null)) continue;
            Channel ch;
            synchronized (this) {
                ch = bound.get(l.name());
            }
            if (ch == null || !(ch.localAddress() instanceof InetSocketAddress a)) continue;
            return new InetSocketAddress(a.getAddress().isAnyLocalAddress() ? java.net.InetAddress.getLoopbackAddress() : a.getAddress(), a.getPort());
        }
        return null;
    }

    /** The callers of each inbound listener, by address, identity and security (the migration view). */
    public String mtlsJson(int minutes) {
        StringBuilder b = new StringBuilder("{\"listeners\":[");
        boolean first = true;
        for (ListenerConfig l : holder.current().snapshot().listeners()) {
            if (l.kind() != dev.ficus.xds.snapshot.ListenerKind.INBOUND) continue;
            InboundPeers peers = inboundPeers.computeIfAbsent(l.name(), k -> new InboundPeers());
            if (!first) b.append(',');
            first = false;
            b.append(InboundPeers.json(l.name() + " " + l.bind().host() + ":" + listenerPort(l.name()), l.mtls().name(), peers.callers(minutes), peers.overflow()));
        }
        return b.append("],\"minutes\":").append(minutes).append(",\"certificate\":")
                .append(meshTls.certificate() == null ? "null" : dev.ficus.api.JsonText.quote(String.valueOf(MeshTls.spiffeId(meshTls.certificate()))))
                .append('}').toString();
    }

    /** mTLS counters of each inbound listener (accepted, failed handshakes, plaintext refused under STRICT). */
    public Map<String, MtlsServerHandshake.Counters> mtlsCounters() { return mtlsCounters; }

    private Channel bind(ListenerConfig l) throws InterruptedException {
        ListenerInitializer.InboundTls in = inboundTls(l);
        RouterConfig rc = in == null ? new RouterConfig(l.name(), holder, stats.listener(l.name()), pools, passthrough)
                : new RouterConfig(l.name(), holder, stats.listener(l.name()), pools, in.tls());
        // upstream TLS of TCP routes as the pools have it; an inbound listener's identity is its workload's (destination_principal)
        TcpProxyConfig tc = new TcpProxyConfig(l.name(), holder, stats.listener(l.name()), transport.socketChannel(), in == null ? meshTls : in.tls()); // protocols
        io.netty.channel.ChannelFuture f = new ServerBootstrap()
                .group(workers)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.ALLOCATOR, allocator)
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ListenerInitializer(l.protocol(), rc, tc, limits, tracker, detectTimeout, httpDetectTimeout, in,
                        () -> serverTls.listener(l.name()))) // protocols
                .bind(l.bind().host(), l.bind().port()).await();
        if (!f.isSuccess()) { // "Address already in use", say: one line naming the listener; an update is refused whole
            throw new ListenerBindException("listener " + l.name() + " cannot bind " + l.bind().host() + ":" + l.bind().port() + ": "
                    + String.valueOf(f.cause().getMessage()).replaceFirst("^bind\\(\\.\\.\\) failed with error\\(-?\\d+\\): ", ""), f.cause());
        }
        return f.channel();
    }

    /** A listener of a snapshot cannot be bound (its address is in use, say): the snapshot is refused, nothing changed. */
    public static final class ListenerBindException extends IllegalStateException {
        ListenerBindException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The port a listener is bound to (useful when the snapshot asked for port 0). */
    public synchronized int listenerPort(String name) {
        Channel ch = bound.get(name);
        if (ch == null) throw new IllegalArgumentException("no listener named " + name);
        return ((InetSocketAddress) ch.localAddress()).getPort();
    }

    /** The merged metrics port (Istio's 15020); fails when it is off. */
    public int metricsPort() {
        if (mergedMetrics == null) throw new IllegalStateException("no merged metrics port");
        return mergedMetrics.port();
    }

    public int adminPort() {
        if (admin == null) throw new IllegalStateException("no admin port");
        return admin.port();
    }

    public ProxySnapshot snapshot() { return holder.current().snapshot(); }

    public StatsRegistry stats() { return stats; }

    /** The parallel runs of this proxy's routes and their results. */
    public ParallelRuns parallelRuns() { return parallelRuns; }

    /** The mesh certificate and TLS contexts this proxy uses. */
    public MeshTls meshTls() { return meshTls; }

    public Transport transport() { return transport; }

    private volatile int cutByDrain;

    /** How long a drain that timed out waits for the connections it cut to close. */
    private static final Duration CUT_GRACE = Duration.ofMillis(500);

    /** Connections still open when the drain timeout passed, closed then (0: every exchange finished); read once the drain completed. */
    public int cutByDrain() { return cutByDrain; }

    /**
     * Stops accepting, lets every connection finish its current exchange (answering with
     * {@code Connection: close}), and completes when none is left or the drain timeout passed.
     * Then runs the {@code onDrained} hook. Calling it again returns the same future.
     */
    public synchronized CompletableFuture<Void> drain() {
        if (drained != null) return drained;
        drained = new CompletableFuture<>();
        for (Channel ch : bound.values()) ch.close();
        bound.clear();
        boundConfig.clear();
        tracker.drain();
        long deadline = System.nanoTime() + drainTimeout.toNanos();
        CompletableFuture<Void> f = drained;
        Runnable[] check = new Runnable[1];
        check[0] = () -> {
            int open = tracker.open();
            if (open == 0 || System.nanoTime() - deadline > 0) {
                cutByDrain = open;
                java.util.concurrent.atomic.AtomicBoolean once = new java.util.concurrent.atomic.AtomicBoolean();
                Runnable finish = () -> {
                    if (!once.compareAndSet(false, true)) return;
                    pools.closeIdle();
                    f.complete(null);
                    if (onDrained != null) onDrained.run();
                };
                // the exchanges still open are cut: their connections (and so their upstream ones) close before the
                // hook runs, which usually stops the event loops (a close still under way would find them gone), or
                // at most CUT_GRACE later (an HTTP/2 connection's graceful close may wait on its streams)
                tracker.closeAll().addListener(closed -> workers.next().schedule(finish, open == 0 ? 0 : 50, TimeUnit.MILLISECONDS));
                if (open > 0) workers.next().schedule(finish, CUT_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            } else {
                workers.next().schedule(check[0], 20, TimeUnit.MILLISECONDS);
            }
        };
        workers.next().execute(check[0]);
        return f;
    }

    @Override
    public synchronized void close() {
        started = false;
        if (tlsWatcher != null) tlsWatcher.shutdownNow();
        if (admin != null) admin.close();
        if (mergedMetrics != null) mergedMetrics.close();
        admin = null;
        for (Channel ch : bound.values()) ch.close().syncUninterruptibly();
        bound.clear();
        tracker.closeAll();
        if (workers != null) workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        jwks.close();
        passthrough.close();
        parallelRuns.close();
    }

    private final class Backend implements AdminBackend {
        @Override public ProxySnapshot snapshot() { return ProxyServer.this.snapshot(); }

        @Override public StatsRegistry stats() { return stats; }

        @Override public boolean ready() { return started && !tracker.draining() && readyWhen.getAsBoolean(); }

        @Override public String notReady() { return started && !tracker.draining() ? "STARTING" : "DRAINING"; }

        @Override public String mtlsJson(int minutes) { return ProxyServer.this.mtlsJson(minutes); }

        @Override public String parallelRunsJson() { return parallelRuns.json(); }

        @Override public CompletableFuture<Void> drain() { return ProxyServer.this.drain(); }
    }

    /** Settings of a {@link ProxyServer}; only the snapshot is required. */
    public static final class Builder {
        private Supplier<ProxySnapshot> snapshot;
        private int concurrency = Math.max(1, Runtime.getRuntime().availableProcessors());
        private String adminHost = "127.0.0.1";
        private int adminPort = 15000;
        private Http1Limits limits = Http1Limits.DEFAULT;
        private Transport transport;
        private Duration drainTimeout = Duration.ofSeconds(30);
        private java.util.function.BooleanSupplier readyWhen = () -> true;
        private Runnable onDrained;
        private Duration detectTimeout = ListenerInitializer.DEFAULT_DETECT_TIMEOUT;
        private Duration httpDetectTimeout = dev.ficus.proxy.detect.ProtocolDetectHandler.HTTP_DETECT_TIMEOUT;
        private MeshTls meshTls = new MeshTls();
        private java.util.function.Function<String, MeshTls> workloadTls = w -> null;
        private final java.util.List<dev.ficus.proxy.telemetry.ExchangeObserver.Factory> observers = new java.util.ArrayList<>();

        private int metricsPort = -1;
        private java.net.URI appMetrics;
        private Duration tlsReloadInterval = Duration.ofSeconds(1);

        /**
         * How often the certificate files of TLS servers (Gateway HTTPS, Sidecar ingress tls) are read
         * again, so that a renewed certificate is served without a config change; zero: never.
         */
        public Builder tlsReloadInterval(Duration d) { this.tlsReloadInterval = Objects.requireNonNull(d); return this; }

        private java.util.function.Consumer<String> tlsInfo;
        private java.util.function.Consumer<String> tlsError;

        /** Where the certificate-file watcher reports a reload and a file it cannot load (default: System.Logger). */
        public Builder tlsEvents(java.util.function.Consumer<String> info, java.util.function.Consumer<String> error) {
            this.tlsInfo = Objects.requireNonNull(info);
            this.tlsError = Objects.requireNonNull(error);
            return this;
        }

        /**
         * Serves the proxy's metrics merged with the app's (Istio's 15020) on {@code port} of the admin
         * host; 0 picks a free port, -1 (the default) turns it off.
         *
         * @param app the app's Prometheus endpoint, or null
         */
        public Builder mergedMetrics(int port, java.net.URI app) {
            this.metricsPort = port;
            this.appMetrics = app;
            return this;
        }

        /** Adds a maker of exchange observers (tracing, access log) for every listener of every snapshot. */
        public Builder observer(dev.ficus.proxy.telemetry.ExchangeObserver.Factory f) { this.observers.add(Objects.requireNonNull(f)); return this; }

        public Builder snapshot(Supplier<ProxySnapshot> s) { this.snapshot = s; return this; }

        /** The mesh certificate holder (filled by the control plane's CA); without one, no mesh mTLS. */
        public Builder meshTls(MeshTls t) { this.meshTls = Objects.requireNonNull(t); return this; }

        /**
         * In node mode, the certificate of each workload ({@code namespace/name}) its inbound
         * listeners present; null from the function: the proxy's own ({@link #meshTls}).
         */
        public Builder workloadTls(java.util.function.Function<String, MeshTls> f) { this.workloadTls = Objects.requireNonNull(f); return this; }

        public Builder snapshot(ProxySnapshot s) { return snapshot(() -> s); }

        /** Event-loop threads serving traffic; each has its own upstream pools. */
        public Builder concurrency(int n) {
            if (n < 1) throw new IllegalArgumentException("concurrency must be >= 1");
            this.concurrency = n;
            return this;
        }

        /** The admin port; 0 picks a free one, -1 disables the admin server. */
        public Builder adminPort(int port) { this.adminPort = port; return this; }

        public Builder adminHost(String host) { this.adminHost = host; return this; }

        public Builder limits(Http1Limits l) { this.limits = Objects.requireNonNull(l); return this; }

        /** Forces a transport (tests run both); default: epoll when available, else NIO. */
        public Builder transport(Transport t) { this.transport = t; return this; }

        public Builder drainTimeout(Duration d) { this.drainTimeout = Objects.requireNonNull(d); return this; }

        /** What else {@code GET /ready} waits for besides the start, e.g. the first mesh certificate. */
        public Builder readyWhen(java.util.function.BooleanSupplier s) { this.readyWhen = Objects.requireNonNull(s); return this; }

        /** Runs once draining has finished; the CLI exits the process here. */
        public Builder onDrained(Runnable r) { this.onDrained = r; return this; }

        /** How long an AUTO listener waits for a client's first bytes before taking the connection as TCP. */
        public Builder detectTimeout(Duration d) { this.detectTimeout = Objects.requireNonNull(d); return this; }
        /** How long an HTTP listener waits for the first bytes (a ClientHello, a request) before deciding without them; default 15 s, Envoy's. */
        public Builder httpDetectTimeout(Duration d) { this.httpDetectTimeout = Objects.requireNonNull(d); return this; }

        public ProxyServer build() { return new ProxyServer(this); }
    }
}
