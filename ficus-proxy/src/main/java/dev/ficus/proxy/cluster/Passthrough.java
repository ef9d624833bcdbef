package dev.ficus.proxy.cluster;

import dev.ficus.proxy.lb.EndpointRef;
import dev.ficus.proxy.pool.CircuitBreakers;
import dev.ficus.proxy.telemetry.TrafficStats;
import dev.ficus.xds.snapshot.ClusterConfig;
import dev.ficus.xds.snapshot.ConnectionPoolLimits;
import dev.ficus.xds.snapshot.Endpoint;
import dev.ficus.xds.snapshot.UpstreamTls;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

/**
 * Istio's {@code PassthroughCluster}: where an outbound listener in ALLOW_ANY mode sends a request
 * for a host none of its routes name — to that host and port itself, in plaintext, as an app
 * without the mesh would have. An app that uses the proxy as its HTTP_PROXY keeps reaching the
 * hosts outside the registry (external APIs, systems not onboarded yet). A route that forwards to
 * {@value #CLUSTER} (a wildcard ServiceEntry with {@code resolution: NONE}) comes here too.
 *
 * <p>Names are resolved on a thread of its own, never an event loop, and kept for
 * {@link #DNS_TTL} (the JVM's own default); a name that does not resolve is remembered for
 * {@link #NEGATIVE_TTL}. Each destination address gets one {@link ClusterRuntime} with one
 * endpoint, so that its pooled connections are reused like a cluster's; at most
 * {@link #MAX_DESTINATIONS} are kept, then all are retired (their idle connections close) and the
 * cache starts again. Counts go to one cluster of statistics named {@value #CLUSTER}.
 * Thread-safe.
 */
public final class Passthrough implements AutoCloseable {
    /** The cluster name in statistics, access logs and metrics, as Istio's. */
    public static final String CLUSTER = dev.ficus.xds.snapshot.ClusterConfig.PASSTHROUGH;
    static final int MAX_DESTINATIONS = 1024;
    static final Duration DNS_TTL = Duration.ofSeconds(30);
    static final Duration NEGATIVE_TTL = Duration.ofSeconds(5);

    private record Resolved(InetAddress address, UnknownHostException failure, long expiresAt) {
    }

    private final TrafficStats stats;
    private final CircuitBreakers breakers = new CircuitBreakers(ConnectionPoolLimits.DEFAULT);
    private final Map<String, Resolved> names = new ConcurrentHashMap<>();
    private final Map<InetSocketAddress, ClusterRuntime> destinations = new ConcurrentHashMap<>();
    private volatile ExecutorService resolver; // started by the first name that needs it

    public Passthrough(TrafficStats stats) {
        this.stats = stats;
        stats.breakers(breakers::connections, breakers::pending, breakers::requests, breakers::retries);
    }

    /**
     * The address of {@code host} (a name, or an IPv4/IPv6 literal, with or without brackets):
     * completed at once for a literal or a cached answer, else on the resolver thread. Fails with
     * {@link UnknownHostException} when the name does not resolve.
     */
    public CompletableFuture<InetAddress> resolve(String host) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        try {
            return CompletableFuture.completedFuture(InetAddress.ofLiteral(h));
        } catch (IllegalArgumentException notALiteral) {
            // a name
        }
        Resolved r = names.get(h);
        if (r != null && System.nanoTime() - r.expiresAt < 0) {
            return r.failure != null ? CompletableFuture.failedFuture(r.failure) : CompletableFuture.completedFuture(r.address);
        }
        CompletableFuture<InetAddress> f = new CompletableFuture<>();
        try {
            resolver().execute(() -> {
                try {
                    InetAddress a = InetAddress.getByName(h);
                    names.put(h, new Resolved(a, null, System.nanoTime() + DNS_TTL.toNanos()));
                    f.complete(a);
                } catch (UnknownHostException e) {
                    names.put(h, new Resolved(null, e, System.nanoTime() + NEGATIVE_TTL.toNanos()));
                    f.completeExceptionally(e);
                } catch (RuntimeException e) {
                    f.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException closed) {
            f.completeExceptionally(new UnknownHostException(h + ": the proxy is shutting down"));
        }
        return f;
    }

    /**
     * The addresses the proxy's listeners are bound to now, with the host's own interface
     * addresses when one is bound to the wildcard address. Called by the proxy whenever its
     * listeners change, never on an event loop (it lists the network interfaces).
     */
    public void listening(Collection<InetSocketAddress> bound) {
        Set<Integer> ports = new HashSet<>();
        Set<InetAddress> addresses = new HashSet<>();
        boolean wildcard = false;
        for (InetSocketAddress a : bound) {
            ports.add(a.getPort());
            addresses.add(a.getAddress());
            wildcard |= a.getAddress().isAnyLocalAddress();
        }
        if (wildcard) {
            try {
                for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) addresses.addAll(Collections.list(nif.getInetAddresses()));
            } catch (SocketException e) {
                // the loopback and wildcard checks still hold
            }
        }
        own = new Own(Set.copyOf(ports), Set.copyOf(addresses));
    }

    /**
     * Whether {@code address} is one of the proxy's own listeners: a request sent there through
     * the passthrough would come back to the proxy, for the same host, again and again (Istio
     * blackholes its outbound port 15001 for the same reason).
     */
    public boolean isProxy(InetSocketAddress address) {
        Own o = own;
        if (!o.ports.contains(address.getPort())) return false;
        InetAddress a = address.getAddress();
        return a.isLoopbackAddress() || a.isAnyLocalAddress() || o.addresses.contains(a);
    }

    private record Own(Set<Integer> ports, Set<InetAddress> addresses) {
    }

    private volatile Own own = new Own(Set.of(), Set.of());

    /** The one-endpoint cluster that sends to {@code address}; the same object while it is cached. */
    public ClusterRuntime cluster(InetSocketAddress address) {
        ClusterRuntime c = destinations.get(address);
        if (c != null) return c;
        if (destinations.size() >= MAX_DESTINATIONS) {
            synchronized (this) {
                if (destinations.size() >= MAX_DESTINATIONS) {
                    destinations.values().forEach(d -> d.endpoints().forEach(EndpointRef::retire));
                    destinations.clear();
                }
            }
        }
        return destinations.computeIfAbsent(address, a -> {
            String ip = a.getAddress().getHostAddress();
            // plaintext: a host outside the registry has no proxy to speak mesh mTLS with
            ClusterConfig config = ClusterConfig.of(CLUSTER, Endpoint.of(ip, a.getPort())).withTls(UpstreamTls.DISABLE);
            EndpointRef ref = new EndpointRef(CLUSTER, config.endpoints().getFirst(), stats, breakers);
            return new ClusterRuntime(config, List.of(ref), () -> ref, stats, breakers);
        });
    }

    /** The statistics every passthrough destination counts into. */
    public TrafficStats stats() { return stats; }

    private ExecutorService resolver() {
        ExecutorService r = resolver;
        if (r == null) {
            synchronized (this) {
                r = resolver;
                if (r == null) {
                    r = Executors.newSingleThreadExecutor(t -> {
                        Thread th = new Thread(t, "ficus-dns");
                        th.setDaemon(true);
                        return th;
                    });
                    resolver = r;
                }
            }
        }
        return r;
    }

    @Override
    public void close() {
        ExecutorService r = resolver;
        if (r != null) r.shutdownNow();
    }
}
