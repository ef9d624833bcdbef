package dev.ficus.bench.control;

import dev.ficus.api.Kind;
import dev.ficus.api.config.ConfigLoader;
import dev.ficus.api.config.Diagnostic;
import dev.ficus.api.validate.Validator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** The control-plane scenario at a small scale: the generated mesh is valid, and the bounds it checks hold. */
class ControlBenchTest {

    @TempDir
    Path dir;

    @Test
    void theGeneratedMeshIsValidIstioConfigAndItsEditsStayValid() throws Exception {
        MeshGenerator mesh = new MeshGenerator(200, 10, 5);
        mesh.writeAll(dir);
        ConfigLoader.Result loaded = Validator.loadAndValidate(List.of(dir.toString()), InputStream.nullInputStream());
        assertThat(loaded.diagnostics()).filteredOn(Diagnostic::isError).isEmpty();
        assertThat(loaded.config().all(Kind.SERVICE_ENTRY)).hasSize(200);
        assertThat(loaded.config().all(Kind.DESTINATION_RULE)).hasSize(50);
        assertThat(loaded.config().all(Kind.VIRTUAL_SERVICE)).hasSize(10);
        assertThat(loaded.config().all(Kind.WORKLOAD_ENTRY)).hasSize(10);

        mesh.rewriteVirtualService(dir, mesh.routedService(), 70);
        String moved = Files.readString(mesh.moveEndpoint(dir, mesh.movedService(), 1));
        assertThat(moved).contains("address: 127.1.2.101");
        ConfigLoader.Result edited = Validator.loadAndValidate(List.of(dir.toString()), InputStream.nullInputStream());
        assertThat(edited.diagnostics()).filteredOn(Diagnostic::isError).isEmpty();
        assertThat(Files.readString(dir.resolve("vs-svc-0.yaml"))).contains("weight: 30").contains("weight: 70");
        try (var files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }
    }

    @Test
    void fiftyProxiesConvergeAndAnEndpointMoveSendsOneCluster() throws Exception {
        List<String> progress = new CopyOnWriteArrayList<>();
        ControlBench.Config config = new ControlBench.Config(50, 200, 5, 5, 1, 20, Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofSeconds(30));
        ControlBench.Result r = new ControlBench(config, progress::add).run();

        assertThat(r.channels()).isEqualTo(3);
        assertThat(r.initial().minResources()).as("the first push carries every listener, route table and cluster")
                .isEqualTo(r.initial().maxResources()).isGreaterThan(200);
        assertThat(r.rounds()).hasSize(1);
        ControlBench.Push vs = r.rounds().getFirst();
        assertThat(vs.convergenceMs().max()).isLessThan(5000);
        assertThat(vs.minResources()).as("a weight change sends the one route table").isEqualTo(1).isEqualTo(vs.maxResources());
        assertThat(List.copyOf(vs.controlPlaneBuckets().values())).as("ACKs the control plane counted").last().isEqualTo(50L);
        ControlBench.Push ep = r.endpoint();
        assertThat(ep.minResources()).isEqualTo(1);
        assertThat(ep.maxResources()).isEqualTo(1);
        assertThat(ep.removedPerProxy()).isZero();
        assertThat(ep.bodyBytesPerProxy()).isPositive().isLessThan(r.initial().bodyBytesPerProxy() / 100);
        assertThat(r.heapUsedBytes()).isPositive();
        // the 1 s bound is for the full benchmark on a quiet machine; here only the endpoint and heap bounds must hold
        assertThat(r.failures()).as(r.text()).noneMatch(f -> f.startsWith("endpoint") || f.startsWith("heap"));
        assertThat(r.text()).contains("VirtualService #1").contains("endpoint move").contains("worst VirtualService round");
        assertThat(r.json()).contains("\"convergenceMs\"").contains("\"heapUsedBytes\"");
        assertThat(progress).anyMatch(m -> m.contains("all 50 proxies hold the first version"));
    }
}
