package dev.ficus.xds.translate;

import dev.ficus.api.config.ConfigLoader;
import dev.ficus.api.config.ConfigSet;
import dev.ficus.api.validate.Validator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A registry made from the one before it takes over what did not change, and equals a registry
 * made from scratch: entries of unchanged files, and unchanged documents of changed files that
 * stand where they stood, keep their services' identity; an entry that
 * selects workloads follows its WorkloadEntries; two entries for one host are merged again when
 * either changes.
 */
class ServiceRegistryTest {

    @TempDir
    Path dir;

    static String se(String name, String host, int port, String endpoint) {
        return """
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: %s, namespace: shop}
                spec:
                  hosts: [%s]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: %d, name: http-%d, protocol: HTTP}]
                  endpoints: [{address: %s}]
                """.formatted(name, host, port, port, endpoint);
    }

    static final String SELECTING = """
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: reviews, namespace: shop}
            spec:
              hosts: [reviews.shop.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: 9080, name: http, protocol: HTTP}]
              workloadSelector: {labels: {app: reviews}}
            """;

    static String workload(String address) {
        return """
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: reviews-1, namespace: shop}
                spec: {address: %s, labels: {app: reviews}}
                """.formatted(address);
    }

    ConfigSet load(ConfigLoader.Cache cache) {
        ConfigLoader.Result r = Validator.loadAndValidate(List.of(dir.toString()), InputStream.nullInputStream(), cache);
        assertThat(r.hasErrors()).as(r.diagnostics().toString()).isFalse();
        return Validator.effective(r.config());
    }

    /** Equal services; a source may be the same document read at another time (its field positions are other objects). */
    static void sameServices(ServiceRegistry actual, ServiceRegistry expected) {
        assertThat(actual.services()).hasSameSizeAs(expected.services());
        for (int i = 0; i < expected.services().size(); i++) {
            ServiceRegistry.Service a = actual.services().get(i), e = expected.services().get(i);
            assertThat(new ServiceRegistry.Service(a.host(), a.namespace(), a.ports(), a.instances(), a.resolution(), null))
                    .isEqualTo(new ServiceRegistry.Service(e.host(), e.namespace(), e.ports(), e.instances(), e.resolution(), null));
            assertThat(a.source().sameDocument(e.source())).as(a.host() + ": its ServiceEntry").isTrue();
        }
    }

    @Test
    void aRegistryMadeFromTheOneBeforeEqualsOneMadeAfreshAndKeepsWhatDidNotChange() throws IOException {
        Files.writeString(dir.resolve("a.yaml"), se("ratings", "ratings.shop.svc.cluster.local", 9080, "127.0.0.21"));
        Files.writeString(dir.resolve("b.yaml"), se("shared-1", "shared.shop.svc.cluster.local", 80, "127.0.0.31"));
        Files.writeString(dir.resolve("c.yaml"), se("shared-2", "shared.shop.svc.cluster.local", 81, "127.0.0.32"));
        Files.writeString(dir.resolve("d.yaml"), SELECTING + workload("127.0.0.41"));
        ConfigLoader.Cache cache = new ConfigLoader.Cache();
        ServiceRegistry first = ServiceRegistry.of(load(cache), null);

        Files.writeString(dir.resolve("c.yaml"), se("shared-2", "shared.shop.svc.cluster.local", 82, "127.0.0.33")); // one of two entries for a host
        Files.writeString(dir.resolve("e.yaml"), workload("127.0.0.42").replace("reviews-1", "reviews-2")); // a workload the selector picks up
        ConfigSet next = load(cache);
        ServiceRegistry second = ServiceRegistry.of(next, first);
        ServiceRegistry fresh = ServiceRegistry.of(next);

        sameServices(second, fresh);
        assertThat(second.find("ratings.shop.svc.cluster.local").orElseThrow()).as("an unchanged file's service")
                .isSameAs(first.find("ratings.shop.svc.cluster.local").orElseThrow());
        assertThat(second.find("shared.shop.svc.cluster.local").orElseThrow().ports()).extracting(ServiceRegistry.Port::number).containsExactly(80, 82);
        assertThat(second.find("reviews.shop.svc.cluster.local").orElseThrow().instances()).extracting(ServiceRegistry.Instance::address)
                .containsExactly("127.0.0.41", "127.0.0.42");

        // another document of the same file changed, the line count did not: ratings is the same document, read again
        Files.writeString(dir.resolve("a.yaml"), se("ratings", "ratings.shop.svc.cluster.local", 9080, "127.0.0.21")
                + se("details", "details.shop.svc.cluster.local", 9080, "127.0.0.51"));
        ServiceRegistry withDetails = ServiceRegistry.of(load(cache), second);
        Files.writeString(dir.resolve("a.yaml"), se("ratings", "ratings.shop.svc.cluster.local", 9080, "127.0.0.21")
                + se("details", "details.shop.svc.cluster.local", 9080, "127.0.0.52"));
        ConfigSet moved = load(cache);
        ServiceRegistry afterMove = ServiceRegistry.of(moved, withDetails);
        sameServices(afterMove, ServiceRegistry.of(moved));
        assertThat(afterMove.find("ratings.shop.svc.cluster.local").orElseThrow()).as("the unchanged document of a changed file")
                .isSameAs(withDetails.find("ratings.shop.svc.cluster.local").orElseThrow());
        // a line added above it: its fields stand elsewhere now, so it is not the same document
        Files.writeString(dir.resolve("a.yaml"), "# moved down\n" + se("ratings", "ratings.shop.svc.cluster.local", 9080, "127.0.0.21")
                + se("details", "details.shop.svc.cluster.local", 9080, "127.0.0.52"));
        ServiceRegistry shifted = ServiceRegistry.of(load(cache), afterMove);
        assertThat(shifted.find("ratings.shop.svc.cluster.local").orElseThrow()).isNotSameAs(afterMove.find("ratings.shop.svc.cluster.local").orElseThrow());
        assertThat(shifted.find("ratings.shop.svc.cluster.local").orElseThrow().source().origin().line()).isEqualTo(3);

        ServiceRegistry third = ServiceRegistry.of(load(cache), shifted); // nothing changed
        assertThat(third.services()).hasSameSizeAs(shifted.services());
        for (int i = 0; i < third.services().size(); i++) assertThat(third.services().get(i)).isSameAs(shifted.services().get(i));
    }
}
