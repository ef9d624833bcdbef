package dev.ficus.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The standalone proxy's start-up cache, as a user gets it: the launcher trains it once per build
 * ({@code dev.ficus.cli.StartupTraining}, a real proxy on loopback) and every later
 * {@code ficus proxy --config} maps it. A training run that fails leaves a {@code .failed} marker
 * and the proxy starts without the cache, so this test is what notices a broken training.
 */
class StartupCacheIT {

    private static final Path DIST = FicusCommandIT.ROOT.resolve("ficus-cli/target/dist");

    @Test
    void aStandaloneProxyStartsFromTheTrainedCache(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("mesh.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: catalog, namespace: shop}
                spec:
                  hosts: [catalog.shop.svc.cluster.local]
                  ports: [{number: 80, name: http, protocol: HTTP}]
                  resolution: STATIC
                  endpoints: [{address: 127.0.0.1}]
                """);
        try (ProxyProcess proxy = ProxyProcess.start(dir)) {
            assertThat(DIST.resolve("ficus-proxy.aot.failed")).as("training failed: see ficus-proxy.aot.log").doesNotExist();
            assertThat(DIST.resolve("ficus-proxy.aot")).isRegularFile();
            assertThat(Files.readString(DIST.resolve("ficus-proxy.aot.jdk"))).as("the JDK the cache was made with").isNotBlank();
            assertThat(Files.readString(DIST.resolve("ficus-proxy.aot.log"))).contains("ready: version").contains("drained; exiting");
            // the JVM maps the cache file: the proxy really starts from it
            assertThat(Files.readString(Path.of("/proc", Long.toString(proxy.process().pid()), "maps"))).contains("ficus-proxy.aot");
        }
    }
}
