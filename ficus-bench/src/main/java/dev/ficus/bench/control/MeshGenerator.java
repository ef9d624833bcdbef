package dev.ficus.bench.control;

import dev.ficus.xds.sync.Node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;

/**
 * Writes a synthetic mesh as Istio YAML, the way a user keeps one in a directory: per namespace a
 * file of ServiceEntries ({@code MESH_INTERNAL}, {@code STATIC}, one to three inline endpoints on
 * 127.x addresses) and a file of DestinationRules (subsets v1 and v2 for every fourth service);
 * one file per VirtualService (a v1/v2 weight split for every twentieth service); and the
 * WorkloadEntries the simulated proxies identify as. Then it makes the edits the benchmark
 * measures: a weight change in one VirtualService, an address change of one endpoint.
 *
 * <p>Files are replaced by an atomic rename, so the control plane's watch never reads half a file.
 */
public final class MeshGenerator {
    /** Every service's port. */
    public static final int PORT = 8080;

    private final int services;
    private final int identities;
    private final int namespaces;
    /** service → last octet of its first endpoint, for services whose endpoint was moved */
    private final Map<Integer, Integer> moved = new HashMap<>();

    public MeshGenerator(int services, int identities, int namespaces) {
        if (services < 20) throw new IllegalArgumentException("at least 20 services, got " + services);
        if (identities < 1) throw new IllegalArgumentException("at least one identity, got " + identities);
        if (namespaces < 1 || namespaces > services) throw new IllegalArgumentException("namespaces: 1.." + services + ", got " + namespaces);
        this.services = services;
        this.identities = identities;
        this.namespaces = namespaces;
    }

    public int services() { return services; }

    public int identities() { return identities; }

    public String namespace(int service) { return "ns-" + (service % namespaces); }

    public String host(int service) { return "svc-" + service + "." + namespace(service) + ".svc.cluster.local"; }

    public static boolean hasSubsets(int service) { return service % 4 == 0; }

    public static boolean hasVirtualService(int service) { return service % 20 == 0; }

    /** The service whose VirtualService the benchmark edits. */
    public int routedService() { return 0; }

    /** The service whose endpoint the benchmark moves: one without subsets, so exactly one cluster holds it. */
    public int movedService() { return 1; }

    /** The node proxy number {@code i} sends: identity {@code i % identities}, as a sidecar of one WorkloadEntry. */
    public Node node(int proxy) {
        int w = proxy % identities;
        return new Node("bench-proxy-" + proxy, java.util.List.of(workload(w)), workloadNamespace(w), Map.of(), "bench", null);
    }

    static String workload(int identity) { return "client-" + identity; }

    String workloadNamespace(int identity) { return "ns-" + (identity % namespaces); }

    /** Writes the whole mesh into {@code dir}. */
    public void writeAll(Path dir) throws IOException {
        Files.createDirectories(dir);
        for (int ns = 0; ns < namespaces; ns++) {
            write(dir.resolve("services-ns-" + ns + ".yaml"), servicesYaml(ns));
            write(dir.resolve("rules-ns-" + ns + ".yaml"), rulesYaml(ns));
        }
        for (int i = 0; i < services; i++) {
            if (hasVirtualService(i)) write(dir.resolve(virtualServiceFile(i)), virtualServiceYaml(i, 10));
        }
        write(dir.resolve("workloads.yaml"), workloadsYaml());
    }

    /** Rewrites the VirtualService of {@code service} with {@code v2Weight}% to subset v2 and the rest to v1. */
    public Path rewriteVirtualService(Path dir, int service, int v2Weight) throws IOException {
        if (!hasVirtualService(service)) throw new IllegalArgumentException("svc-" + service + " has no VirtualService");
        Path f = dir.resolve(virtualServiceFile(service));
        write(f, virtualServiceYaml(service, v2Weight));
        return f;
    }

    /** Moves the first endpoint of {@code service} to another address (a new one for every {@code generation}). */
    public Path moveEndpoint(Path dir, int service, int generation) throws IOException {
        moved.put(service, 100 + generation % 150);
        int ns = service % namespaces;
        Path f = dir.resolve("services-ns-" + ns + ".yaml");
        write(f, servicesYaml(ns));
        return f;
    }

    private static String virtualServiceFile(int service) { return "vs-svc-" + service + ".yaml"; }

    private String servicesYaml(int ns) {
        StringBuilder b = new StringBuilder(services / namespaces * 400);
        b.append("# ").append(services).append(" generated services over ").append(namespaces).append(" namespaces: this file holds ns-").append(ns).append('\n');
        for (int i = ns; i < services; i += namespaces) {
            b.append("---\napiVersion: networking.istio.io/v1\nkind: ServiceEntry\n")
                    .append("metadata: {name: svc-").append(i).append(", namespace: ").append(namespace(i)).append("}\n")
                    .append("spec:\n  hosts: [").append(host(i)).append("]\n")
                    .append("  location: MESH_INTERNAL\n  resolution: STATIC\n")
                    .append("  ports: [{number: ").append(PORT).append(", name: http, protocol: HTTP}]\n")
                    .append("  endpoints:\n");
            for (int e = 0; e < 1 + i % 3; e++) {
                int last = e == 0 && moved.containsKey(i) ? moved.get(i) : e + 1;
                b.append("  - {address: ").append(address(i, last)).append(", labels: {version: v").append(e + 1).append("}}\n");
            }
        }
        return b.toString();
    }

    /** 127.a.b.last: a and b spell the service number, so every service has addresses of its own. */
    private static String address(int service, int last) {
        return "127." + (1 + service / 250 % 250) + "." + (1 + service % 250) + "." + last;
    }

    private String rulesYaml(int ns) {
        StringBuilder b = new StringBuilder(services / namespaces * 60);
        b.append("# subsets v1 and v2 of every fourth service in ns-").append(ns).append('\n');
        for (int i = ns; i < services; i += namespaces) {
            if (!hasSubsets(i)) continue;
            b.append("---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\n")
                    .append("metadata: {name: svc-").append(i).append(", namespace: ").append(namespace(i)).append("}\n")
                    .append("spec:\n  host: ").append(host(i)).append('\n')
                    .append("  subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]\n");
        }
        return b.toString();
    }

    private String virtualServiceYaml(int service, int v2Weight) {
        return """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: svc-%1$d, namespace: %2$s}
                spec:
                  hosts: [%3$s]
                  http:
                  - route:
                    - {destination: {host: %3$s, subset: v1}, weight: %4$d}
                    - {destination: {host: %3$s, subset: v2}, weight: %5$d}
                """.formatted(service, namespace(service), host(service), 100 - v2Weight, v2Weight);
    }

    private String workloadsYaml() {
        StringBuilder b = new StringBuilder();
        b.append("# the identities of the simulated proxies (several proxies share each one)\n");
        for (int w = 0; w < identities; w++) {
            b.append("---\napiVersion: networking.istio.io/v1\nkind: WorkloadEntry\n")
                    .append("metadata: {name: ").append(workload(w)).append(", namespace: ").append(workloadNamespace(w)).append("}\n")
                    .append("spec: {address: 127.0.").append(w / 250).append('.').append(1 + w % 250)
                    .append(", labels: {app: ").append(workload(w)).append("}}\n");
        }
        return b.toString();
    }

    private static void write(Path f, String text) throws IOException {
        Path tmp = f.resolveSibling("." + f.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
