package dev.ficus.proxy.lb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ficus.proxy.pool.CircuitBreakers;
import dev.ficus.xds.snapshot.ConnectionPoolLimits;
import dev.ficus.xds.snapshot.ConsistentHashConfig;
import dev.ficus.xds.snapshot.HashPolicy;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The request path's share of cluster policy must not allocate: a consistent-hash pick over a
 * header, cookie or query key, and a circuit-breaker acquire and release. Measured with the JVM's
 * per-thread allocation counter; the time per operation is printed for the performance notes.
 */
class PickCostTest {
    static final int N = 200_000;

    static long allocated() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    static HttpRequest request() {
        HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/cart?x=1&cart=c-42&y=2");
        r.headers().set("x-user", "user-1234").set("cookie", "a=1; sticky=\"0123456789abcdef\"; b=2");
        return r;
    }

    void measure(String what, Picker p, PickContext ctx, HttpRequest req) {
        for (int i = 0; i < N; i++) p.pick(ctx.reset(req, "127.0.0.1", "127.0.0.1:5000")); // warm up
        long bytes = allocated();
        long t = System.nanoTime();
        for (int i = 0; i < N; i++) p.pick(ctx.reset(req, "127.0.0.1", "127.0.0.1:5000"));
        long ns = System.nanoTime() - t;
        long perPick = (allocated() - bytes) / N;
        System.out.printf("%-28s %6.1f ns/pick, %d bytes/pick%n", what, (double) ns / N, perPick);
        assertThat(perPick).as(what).isZero();
    }

    @Test
    void consistentHashPicksAllocateNothing() {
        List<EndpointRef> eps = ConsistentHashProperties.endpoints(20, 0);
        HttpRequest req = request();
        PickContext ctx = new PickContext();
        measure("ring hash, header", new RingHashLoadBalancer(new ConsistentHashConfig(new HashPolicy.Header("x-user"), 1024)).update(eps), ctx, req);
        measure("ring hash, query parameter", new RingHashLoadBalancer(new ConsistentHashConfig(new HashPolicy.QueryParameter("cart"), 1024)).update(eps), ctx, req);
        measure("maglev, cookie", new MaglevLoadBalancer(new ConsistentHashConfig(new HashPolicy.Cookie("sticky", null, Duration.ofHours(1)), 65537)).update(eps), ctx, req);
        measure("maglev, source ip", new MaglevLoadBalancer(new ConsistentHashConfig(new HashPolicy.SourceIp(), 65537)).update(eps), ctx, req);
        measure("round robin", new RoundRobinLoadBalancer().update(eps), ctx, req);
    }

    @Test
    void circuitBreakersAllocateNothing() {
        CircuitBreakers b = new CircuitBreakers(new ConnectionPoolLimits(10, 10, 100, 0, 3, Duration.ofHours(1)));
        for (int i = 0; i < N; i++) if (b.tryAcquireRequest()) b.releaseRequest();
        long bytes = allocated();
        long t = System.nanoTime();
        for (int i = 0; i < N; i++) if (b.tryAcquireRequest()) b.releaseRequest();
        long ns = System.nanoTime() - t;
        long perOp = (allocated() - bytes) / N;
        System.out.printf("%-28s %6.1f ns/op, %d bytes/op%n", "breaker acquire+release", (double) ns / N, perOp);
        assertThat(perOp).isZero();
        assertThat(b.requests()).isZero();
    }
}
