package dev.ficus.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ficus.proxy.ProxyServer;
import dev.ficus.testing.FakeUpstream;
import dev.ficus.testing.RawHttp;
import dev.ficus.xds.snapshot.AuthzPolicies;
import dev.ficus.xds.snapshot.ClusterConfig;
import dev.ficus.xds.snapshot.Endpoint;
import dev.ficus.xds.snapshot.HeaderMatch;
import dev.ficus.xds.snapshot.HostPort;
import dev.ficus.xds.snapshot.ListenerConfig;
import dev.ficus.xds.snapshot.ListenerKind;
import dev.ficus.xds.snapshot.ListenerProtocol;
import dev.ficus.xds.snapshot.MtlsMode;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.snapshot.Route;
import dev.ficus.xds.snapshot.RouteAction;
import dev.ficus.xds.snapshot.RouteMatch;
import dev.ficus.xds.snapshot.RouteTable;
import dev.ficus.xds.snapshot.StringMatch;
import dev.ficus.xds.snapshot.UpstreamTls;
import dev.ficus.xds.snapshot.VirtualHost;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Istio's {@code scheme} match on a connection TLS was terminated on: a PERMISSIVE inbound listener
 * sees {@code https} for a caller that came over mesh mTLS and {@code http} for a plaintext one, on
 * the same port, and routes each to its own upstream.
 */
class SchemeMatchTlsTest {
    final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : cleanup.reversed()) c.close();
    }

    FakeUpstream app(String name) {
        FakeUpstream u = FakeUpstream.start(name);
        cleanup.add(u);
        return u;
    }

    ProxyServer start(ProxySnapshot s, MeshTls tls) throws Exception {
        ProxyServer p = ProxyServer.builder().snapshot(s).meshTls(tls).concurrency(1).adminPort(-1).build().start();
        cleanup.add(p::close);
        return p;
    }

    @Test
    void aTlsTerminatedRequestIsHttpsAndAPlaintextOneHttp() throws Exception {
        FakeUpstream secure = app("secure");
        FakeUpstream plain = app("plain");
        ProxySnapshot server = ProxySnapshot.builder("s1")
                .listener(new ListenerConfig("inbound", new HostPort("127.0.0.1", 0), ListenerKind.INBOUND, ListenerProtocol.HTTP, "inbound", null, AuthzPolicies.NONE, MtlsMode.PERMISSIVE))
                .routeTable(new RouteTable("inbound", List.of(new VirtualHost("in", List.of("*"), List.of(
                        new Route("tls", RouteMatch.ANY.withHeaders(new HeaderMatch(":scheme", new StringMatch.Exact("https"))), RouteAction.Forward.to("inbound|secure")),
                        new Route("rest", RouteMatch.ANY, RouteAction.Forward.to("inbound|plain")))))))
                .cluster(ClusterConfig.of("inbound|secure", Endpoint.of(secure.host(), secure.port())).withTls(UpstreamTls.DISABLE))
                .cluster(ClusterConfig.of("inbound|plain", Endpoint.of(plain.host(), plain.port())).withTls(UpstreamTls.DISABLE))
                .build();
        ProxyServer s = start(server, MeshMtlsTest.mesh(MeshMtlsTest.CA, MeshMtlsTest.CA.spiffe("cluster.local", "shop", "reviews")));
        int port = s.listenerPort("inbound");

        ProxySnapshot caller = ProxySnapshot.builder("c1")
                .listener(new ListenerConfig("out", new HostPort("127.0.0.1", 0), ListenerKind.OUTBOUND, ListenerProtocol.HTTP, "out"))
                .routeTable(new RouteTable("out", List.of(new VirtualHost("all", List.of("*"),
                        List.of(new Route("all", RouteMatch.ANY, RouteAction.Forward.to("outbound|reviews")))))))
                .cluster(ClusterConfig.of("outbound|reviews", Endpoint.of("127.0.0.1", port)).withTls(UpstreamTls.ISTIO_MUTUAL))
                .build();
        ProxyServer c = start(caller, MeshMtlsTest.mesh(MeshMtlsTest.CA, MeshMtlsTest.CA.spiffe("cluster.local", "shop", "web")));

        assertThat(MeshMtlsTest.status(c.listenerPort("out"))).isEqualTo(200);
        assertThat(secure.requestCount()).as("over mTLS the scheme is https").isEqualTo(1);
        assertThat(plain.requestCount()).isZero();

        String r = RawHttp.exchange(port, "GET /hello HTTP/1.1\r\nHost: reviews\r\nConnection: close\r\n\r\n", Duration.ofSeconds(5));
        assertThat(RawHttp.status(r)).isEqualTo(200);
        assertThat(plain.requestCount()).as("plaintext on the same port is http").isEqualTo(1);
        assertThat(secure.requestCount()).isEqualTo(1);
    }
}
