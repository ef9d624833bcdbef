package dev.ficus.proxy;

import dev.ficus.xds.snapshot.ClusterConfig;
import dev.ficus.xds.snapshot.Endpoint;
import dev.ficus.xds.snapshot.HostPort;
import dev.ficus.xds.snapshot.ListenerConfig;
import dev.ficus.xds.snapshot.ListenerKind;
import dev.ficus.xds.snapshot.ListenerProtocol;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.snapshot.Route;
import dev.ficus.xds.snapshot.RouteAction;
import dev.ficus.xds.snapshot.RouteMatch;
import dev.ficus.xds.snapshot.RouteTable;
import dev.ficus.xds.snapshot.VirtualHost;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Starts a proxy that forwards every request on 127.0.0.1:PORT to one upstream, for the peer
 * benchmark ({@code docs/performance.md}).
 *
 * <pre>java -cp ... dev.ficus.proxy.BenchProxy [PORT=18090] [UPSTREAM=127.0.0.1:18080] [THREADS=1] [ADMIN_PORT=-1]</pre>
 */
public final class BenchProxy {
    private BenchProxy() {}

    public static ProxySnapshot forwardAll(int port, HostPort upstream) {
        return ProxySnapshot.builder("bench")
                .listener(new ListenerConfig("bench", new HostPort("127.0.0.1", port), ListenerKind.GATEWAY, ListenerProtocol.HTTP, "all"))
                .routeTable(new RouteTable("all", List.of(new VirtualHost("all", List.of("*"),
                        List.of(new Route("all", RouteMatch.ANY, RouteAction.Forward.to("backend")))))))
                .cluster(ClusterConfig.of("backend", new Endpoint(upstream, 1, java.util.Map.of(), dev.ficus.xds.snapshot.HealthStatus.HEALTHY)))
                .build();
    }

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 18090;
        HostPort upstream = HostPort.parse(args.length > 1 ? args[1] : "127.0.0.1:18080");
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        int admin = args.length > 3 ? Integer.parseInt(args[3]) : -1;
        CountDownLatch done = new CountDownLatch(1);
        ProxyServer proxy = ProxyServer.builder()
                .snapshot(forwardAll(port, upstream))
                .concurrency(threads)
                .adminPort(admin)
                .onDrained(done::countDown)
                .build()
                .start();
        Runtime.getRuntime().addShutdownHook(new Thread(proxy::close));
        System.out.println("ficus bench proxy on 127.0.0.1:" + proxy.listenerPort("bench") + " -> " + upstream
                + " (" + threads + " event loop, " + proxy.transport().name() + ", pid " + ProcessHandle.current().pid() + ")");
        done.await();
        proxy.close();
    }
}
