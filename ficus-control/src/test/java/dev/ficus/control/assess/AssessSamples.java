package dev.ficus.control.assess;

import dev.ficus.api.config.ConfigLoader;
import dev.ficus.api.config.ConfigSet;
import dev.ficus.api.validate.Validator;
import dev.ficus.control.graph.EdgeKey;
import dev.ficus.control.graph.ServiceGraph;
import dev.ficus.control.graph.Workload;
import dev.ficus.xds.sync.Node;
import dev.ficus.xds.sync.SyncServer;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Hand-built inputs of the assessor: YAML, graph edges over a 50 s span, connected proxies. */
final class AssessSamples {
    private AssessSamples() {
    }

    static final Instant AT = Instant.parse("2025-01-01T00:00:00Z");
    static final double SPAN = 50;

    static ConfigSet config(String yaml) {
        ConfigLoader.Result r = Validator.loadAndValidateString("mesh.yaml", yaml);
        assertThat(r.hasErrors()).as(r.diagnostics().toString()).isFalse();
        return Validator.effective(r.config());
    }

    /** A ServiceEntry {@code name.ns.svc.cluster.local} selecting {@code app: name}, and WorkloadEntries {@code name-1..n}. */
    static String service(String ns, String name, int instances) {
        StringBuilder b = new StringBuilder("""
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: %2$s, namespace: %1$s}
                spec:
                  hosts: [%2$s.%1$s.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 8080, name: http, protocol: HTTP}]
                  workloadSelector: {labels: {app: %2$s}}
                """.formatted(ns, name));
        for (int i = 1; i <= instances; i++) {
            b.append("""
                    ---
                    apiVersion: networking.istio.io/v1
                    kind: WorkloadEntry
                    metadata: {name: %2$s-%3$d, namespace: %1$s}
                    spec: {address: 10.0.0.%3$d, ports: {http: 8080}, labels: {app: %2$s}, serviceAccount: %2$s}
                    """.formatted(ns, name, i));
        }
        return b.append("---\n").toString();
    }

    static String host(String name) {
        return name + ".shop.svc.cluster.local";
    }

    static Workload workload(String id) {
        if (id.equals("unknown")) return Workload.UNKNOWN;
        int slash = id.indexOf('/');
        return new Workload(id.substring(0, slash), id.substring(slash + 1));
    }

    /** An HTTP edge the destination's proxy reported; p99 in ms. */
    static ServiceGraph.Edge http(String source, String service, String destination, long requests, long errors, double p99,
                                  ServiceGraph.Security security, double mtlsShare) {
        return new ServiceGraph.Edge(workload(source), workload(destination), service, EdgeKey.Protocol.HTTP,
                destination.equals("unknown") ? EdgeKey.Reporter.SOURCE : EdgeKey.Reporter.DESTINATION,
                requests, requests / SPAN, errors, requests == 0 ? 0 : (double) errors / requests, 0, 0,
                requests == 0 ? Double.NaN : p99 / 2, requests == 0 ? Double.NaN : p99, security, mtlsShare, 0, 0, 0, 0, SPAN);
    }

    /** A call the caller's proxy saw to a destination without a proxy. */
    static ServiceGraph.Edge toUnmeshed(String source, String service, long requests, long errors) {
        return http(source, service, "unknown", requests, errors, 20, ServiceGraph.Security.UNKNOWN_NOT_MESHED, Double.NaN);
    }

    static ServiceGraph.Edge mtls(String source, String service, String destination, long requests) {
        return http(source, service, destination, requests, 0, 10, ServiceGraph.Security.MUTUAL_TLS, 1);
    }

    static ServiceGraph graph(List<ServiceGraph.Edge> edges, List<ServiceGraph.ProxyState> proxies) {
        return new ServiceGraph(Duration.ofMinutes(5), AT, proxies, List.of(), edges);
    }

    static ServiceGraph graph(ServiceGraph.Edge... edges) {
        return graph(List.of(edges), List.of());
    }

    /** Connected proxies, one per workload id ({@code ns/name}). */
    static List<SyncServer.ProxyStatus> proxies(String... workloads) {
        List<SyncServer.ProxyStatus> out = new ArrayList<>();
        for (String id : workloads) {
            Workload w = workload(id);
            Node node = new Node("pid-" + w.name() + "@host", List.of(w.name()), w.namespace(), Map.of(), "test", -1);
            out.add(new SyncServer.ProxyStatus(node.id(), node, "127.0.0.1:40000", AT, "v1", null, 1, 1, 0, null, null, AT));
        }
        return out;
    }

    static Assessment.Service service(Assessment a, String id) {
        return a.services().stream().filter(s -> s.id().equals(id)).findFirst()
                .orElseThrow(() -> new AssertionError(id + " not among " + a.services().stream().map(Assessment.Service::id).toList()));
    }

    static Assessment.Workload workloadOf(Assessment a, String id) {
        return a.workloads().stream().filter(s -> s.id().equals(id)).findFirst()
                .orElseThrow(() -> new AssertionError(id + " not among " + a.workloads().stream().map(Assessment.Workload::id).toList()));
    }

    static List<List<String>> steps(Assessment a) {
        return a.order().stream().map(Assessment.Step::services).toList();
    }
}
