package dev.ficus.cli;

import dev.ficus.testing.FakeUpstream;
import dev.ficus.testing.TcpEchoServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Sidecar ingress port without {@code protocol}, as {@code ficus proxy} serves it: sniffed per
 * connection whatever its name says, as Istio does (Istio reads only {@code port.protocol} there),
 * so an HTTP app and a TCP app behind two such ports are both reached; a name that reads as another
 * protocol is a warning at its file:line.
 */
class SidecarIngressProtocolIT {
    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : cleanup.reversed()) c.close();
    }

    <T extends AutoCloseable> T keep(T c) {
        cleanup.add(c);
        return c;
    }

    @Test
    void anIngressPortWithoutAProtocolIsSniffedWhateverItsName(@TempDir Path dir) throws Exception {
        FakeUpstream web = keep(FakeUpstream.start("web"));
        TcpEchoServer legacy = keep(TcpEchoServer.start("legacy"));
        int httpPort = UpCommandIT.freePort(), tcpPort = UpCommandIT.freePort();
        Files.writeString(dir.resolve("mesh.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: frontend, namespace: shop}
                spec:
                  workloadSelector: {labels: {app: frontend}}
                  ingress:
                  - port: {number: %d, name: http-web}
                    bind: 127.0.0.1
                    defaultEndpoint: 127.0.0.1:%d
                  - port: {number: %d, name: http-legacy}
                    bind: 127.0.0.1
                    defaultEndpoint: 127.0.0.1:%d
                """.formatted(httpPort, web.port(), tcpPort, legacy.port()));
        ProxyProcess proxy = keep(ProxyProcess.start(dir));

        try (HttpConnection c = new HttpConnection(httpPort)) {
            HttpConnection.Response r = c.get("frontend.shop.svc.cluster.local", "/hello");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).contains("web");
        }
        // bytes that are not HTTP reach the TCP app as they are (an HTTP listener answered them 400)
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), tcpPort)) {
            OutputStream out = s.getOutputStream();
            out.write("ping\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            assertThat(in.readLine()).isEqualTo("legacy:ping");
        }
        // each at the line of its port's name
        assertThat(proxy.log()).anyMatch(l -> l.contains("mesh.yaml:7:") && l.contains("warning: Sidecar/frontend spec.ingress[0].port.name: the name 'http-web'"
                + " reads as HTTP, but a Sidecar ingress port takes its protocol from port.protocol only (as in Istio)"));
        assertThat(proxy.log()).anyMatch(l -> l.contains("mesh.yaml:10:") && l.contains("warning: Sidecar/frontend spec.ingress[1].port.name: the name 'http-legacy'"));
    }
}
