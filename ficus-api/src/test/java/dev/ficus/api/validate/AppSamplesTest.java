package dev.ficus.api.validate;

import dev.ficus.api.Kind;
import dev.ficus.api.Resource;
import dev.ficus.api.config.ConfigLoader;
import dev.ficus.api.config.Diagnostic;
import dev.ficus.api.mesh.App;
import dev.ficus.api.mesh.ReadinessProbe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The App kind as users write it: the samples and the shop example load without a diagnostic and
 * bind every field. Mistakes are in the broken corpus ({@code broken/mesh/}).
 */
class AppSamplesTest {

    private static ConfigLoader.Result load(Path path) {
        return Validator.loadAndValidate(List.of(path.toString()), System.in);
    }

    private static App app(ConfigLoader.Result result, String name) {
        return result.config().all(Kind.APP, App.class).stream()
                .filter(r -> r.name().equals(name)).findFirst().map(Resource::spec).orElseThrow();
    }

    @Test
    void samplesValidateWithoutErrorsOrWarnings() throws URISyntaxException {
        ConfigLoader.Result result = load(Path.of(AppSamplesTest.class.getResource("/valid/mesh").toURI()));
        assertThat(result.diagnostics().stream().map(Diagnostic::format)).isEmpty();
        assertThat(result.config().all(Kind.APP)).hasSize(3);
    }

    @Test
    void everyFieldBinds() throws URISyntaxException {
        ConfigLoader.Result result = load(Path.of(AppSamplesTest.class.getResource("/valid/mesh").toURI()));
        App shop = app(result, "shop");
        // ${FICUS_JAVA} is kept as written: the runner replaces it, in any element.
        assertThat(shop.command()).containsExactly("${FICUS_JAVA}", "-Xmx64m", "Shop.java", "--greeting=${FICUS_JAVA} runs me");
        assertThat(shop.workingDir()).isEqualTo(".");
        assertThat(shop.env()).containsExactly(Map.entry("PORT", "19180"), Map.entry("HTTP_PROXY", "http://127.0.0.1:15001"));
        assertThat(shop.workload()).isEqualTo("shop");
        assertThat(shop.port()).isEqualTo(19180);
        assertThat(shop.readinessProbe().httpGet().pathOrDefault()).isEqualTo("/healthz");
        assertThat(shop.probePort()).isEqualTo(19180);
        assertThat(shop.readinessProbe().periodSecondsOrDefault()).isEqualTo(1);
        assertThat(shop.readinessProbe().timeoutSecondsOrDefault()).isEqualTo(2);
        assertThat(shop.readinessProbe().failureThresholdOrDefault()).isEqualTo(5);
        assertThat(shop.stopTimeoutOrDefault()).isEqualTo(Duration.ofMillis(2500));

        App cache = app(result, "cache");
        assertThat(cache.workingDir()).isNull();
        assertThat(cache.env()).isEmpty();
        assertThat(cache.readinessProbe()).isNull();
        assertThat(cache.probePort()).isNull();
        assertThat(cache.stopTimeoutOrDefault()).isEqualTo(Duration.ofSeconds(10));

        App db = app(result, "db");
        assertThat(db.readinessProbe().tcpSocket()).isNotNull();
        assertThat(db.probePort()).as("a probe without a port checks the app's").isEqualTo(15432);
        assertThat(db.readinessProbe().periodSecondsOrDefault()).as("Kubernetes' default").isEqualTo(ReadinessProbe.DEFAULT_PERIOD_SECONDS).isEqualTo(10);
    }

    @Test
    void workingDirIsResolvedAgainstTheYamlFilesDirectory(@TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("apps"));
        String yaml = """
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: shop}
                spec: {address: 127.0.0.1}
                ---
                apiVersion: mesh.ficus.dev/v1alpha1
                kind: App
                metadata: {name: shop}
                spec:
                  command: [./shop]
                  workload: shop
                  workingDir: %s
                """;
        Files.writeString(dir.resolve("present.yaml"), yaml.formatted("apps"));
        assertThat(load(dir.resolve("present.yaml")).diagnostics()).isEmpty();

        Files.writeString(dir.resolve("missing.yaml"), yaml.formatted("bin"));
        assertThat(load(dir.resolve("missing.yaml")).diagnostics().stream().map(Diagnostic::format))
                .singleElement().asString()
                .endsWith("warning: App/shop spec.workingDir: directory 'bin' does not exist (resolved against the YAML file's directory: "
                        + dir.toAbsolutePath().resolve("bin") + ")");
    }

    /** examples/shop, which the README runs with {@code ficus up}: not a warning, let alone an error. */
    @Test
    void shopExampleValidatesCleanly() {
        Path shop = Path.of("..", "examples", "shop");
        assertThat(shop.resolve("apps.yaml")).as("examples/shop beside ficus-api").exists();
        ConfigLoader.Result result = load(shop);
        assertThat(result.diagnostics().stream().map(Diagnostic::format)).isEmpty();
        assertThat(result.config().all(Kind.APP).stream().map(Resource::name)).containsExactly("monolith", "reviews-v1", "reviews-v2", "reviews-v1-b", "reviews-v3");
        assertThat(result.config().all(Kind.WORKLOAD_ENTRY)).hasSize(5);
        assertThat(result.config().size()).isEqualTo(19);
        App monolith = app(result, "monolith");
        assertThat(monolith.command()).containsExactly(App.FICUS_JAVA, "apps/Monolith.java");
        assertThat(monolith.env()).containsEntry("HTTP_PROXY", "http://127.0.0.1:15001");
    }

    /** Each step of docs/migration.md, added to the shop as the walk-through does: no diagnostic. */
    @Test
    void everyMigrationStepValidatesWithTheShop() throws IOException {
        Path shop = Path.of("..", "examples", "shop");
        List<Path> steps;
        try (var files = Files.list(Path.of("..", "examples", "migration"))) {
            steps = files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(steps).hasSize(5);
        for (Path step : steps) {
            ConfigLoader.Result result = Validator.loadAndValidate(List.of(shop.toString(), step.toString()), System.in);
            assertThat(result.diagnostics().stream().map(Diagnostic::format)).as(step.toString()).isEmpty();
            assertThat(result.config().size()).as(step + " adds one resource to the shop's").isEqualTo(20);
            assertThat(result.config().all(Kind.ROLLOUT).size() + result.config().all(Kind.PEER_AUTHENTICATION).size()).as(step.toString()).isEqualTo(1);
        }
    }
}
