package dev.ficus.api.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A reader that keeps a cache parses only the files whose bytes changed, and forgets removed ones. */
class ConfigLoaderCacheTest {

    static String se(String name) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: %s, namespace: shop}
                spec: {hosts: [%s.shop.svc.cluster.local], ports: [{number: 80, name: http, protocol: HTTP}], resolution: STATIC}
                """.formatted(name, name);
    }

    @Test
    void unchangedFilesAreReusedChangedOnesReparsedRemovedOnesForgotten(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("a.yaml"), se("a"));
        Files.writeString(dir.resolve("b.yaml"), se("b"));
        Files.writeString(dir.resolve("c.yaml"), "kind: [broken");
        ConfigLoader.Cache cache = new ConfigLoader.Cache();
        ConfigLoader.Result first = ConfigLoader.load(List.of(dir.toString()), InputStream.nullInputStream(), cache);
        assertThat(first.config().size()).isEqualTo(2);
        assertThat(first.diagnostics()).anyMatch(d -> d.isError() && d.file().endsWith("c.yaml"));

        Files.writeString(dir.resolve("b.yaml"), se("b2"));
        Files.delete(dir.resolve("c.yaml"));
        ConfigLoader.Result second = ConfigLoader.load(List.of(dir.toString()), InputStream.nullInputStream(), cache);
        assertThat(second.config().resources().get(0)).isSameAs(first.config().resources().get(0)); // a.yaml: not parsed again
        assertThat(second.config().resources().get(1).name()).isEqualTo("b2");
        assertThat(second.diagnostics()).noneMatch(d -> d.file().endsWith("c.yaml"));

        // the same result as a load without a cache
        ConfigLoader.Result fresh = ConfigLoader.load(List.of(dir.toString()), InputStream.nullInputStream());
        // (origins hold field positions, compared by identity: compare what was read)
        assertThat(second.config().resources()).extracting(r -> r.kind() + "/" + r.namespace() + "/" + r.name() + "=" + r.spec() + "@" + r.origin())
                .isEqualTo(fresh.config().resources().stream().map(r -> r.kind() + "/" + r.namespace() + "/" + r.name() + "=" + r.spec() + "@" + r.origin()).toList());
        assertThat(second.diagnostics()).isEqualTo(fresh.diagnostics());
    }
}
