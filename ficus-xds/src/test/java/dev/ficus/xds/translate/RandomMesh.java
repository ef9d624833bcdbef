package dev.ficus.xds.translate;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A random mesh written as files, one per kind and namespace plus one per VirtualService, and
 * random edits of it: services in three namespaces, DestinationRules with subsets (some for one
 * workload only), VirtualServices with weights, header, source-label and source-namespace matches,
 * mirrors and destinations that do not exist, services that share an address, a Sidecar that
 * narrows one namespace's egress, a parallel-run Rollout; some of each kind exported to their own
 * namespace or to one other ({@code exportTo}). Shared by the tests that hold cached
 * work (translation, sync deltas) to what a full computation gives.
 */
public final class RandomMesh {
    public static final int SERVICES = 24;
    public static final List<String> NAMESPACES = List.of("shop", "pay", "ops");
    public static final List<ProxyIdentity> IDENTITIES = List.of(
            new ProxyIdentity("web", "shop", Map.of("app", "web"), null),
            new ProxyIdentity("web-canary", "shop", Map.of("app", "web", "track", "canary"), null),
            new ProxyIdentity("billing", "pay", Map.of("app", "billing"), null),
            new ProxyIdentity("ops", "ops", Map.of("app", "ops", "track", "canary"), null),
            new ProxyIdentity("lone", "edge", Map.of(), null));

    final Random random;
    final List<Integer> ports = new ArrayList<>(); // per service: its first port
    final List<Integer> endpoints = new ArrayList<>(); // per service: last octet of its first endpoint
    final List<Boolean> present = new ArrayList<>();
    final Map<Integer, String> virtualServices = new LinkedHashMap<>(); // service → its YAML
    final Map<Integer, String> rules = new LinkedHashMap<>();
    boolean sidecar;
    boolean rollout;

    public RandomMesh(Random random) {
        this.random = random;
        for (int i = 0; i < SERVICES; i++) {
            ports.add(random.nextBoolean() ? 80 : 9080);
            endpoints.add(1 + random.nextInt(200));
            present.add(random.nextInt(10) > 0);
            if (random.nextInt(3) == 0) rules.put(i, rule(i));
            if (random.nextInt(3) == 0) virtualServices.put(i, virtualService(i));
        }
        sidecar = random.nextBoolean();
        rollout = random.nextBoolean();
    }

    static String ns(int i) { return NAMESPACES.get(i % NAMESPACES.size()); }

    static String host(int i) { return "svc-" + i + "." + ns(i) + ".svc.cluster.local"; }

    /**
     * A service of one port with a VirtualService, both exported to the first identity's namespace
     * (shop), so that an edit of it changes one virtual host there; one is added if none is.
     */
    public int withVirtualService() {
        for (int i : virtualServices.keySet()) if (exportedToShop(i) && i % 4 != 0) return i;
        virtualServices.put(1, virtualService(1));
        return 1;
    }

    /** Whether service {@code i} and its VirtualService are exported to shop (see {@link #services} and {@link #virtualService}). */
    private static boolean exportedToShop(int i) {
        boolean own = ns(i).equals("shop");
        return (own || i % 7 != 5) && i % 7 != 3 && (own || i % 5 != 2);
    }

    public void writeAll(Path dir) throws IOException {
        for (String ns : NAMESPACES) {
            write(dir, "services-" + ns + ".yaml", services(ns));
            write(dir, "rules-" + ns + ".yaml", rules(ns));
        }
        for (int i = 0; i < SERVICES; i++) writeVirtualService(dir, i);
        write(dir, "workloads.yaml", workloads());
        write(dir, "sidecar.yaml", sidecar ? """
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: default, namespace: pay}
                spec:
                  egress: [{hosts: ["./*", "shop/svc-0.shop.svc.cluster.local"]}]
                """ : "");
        write(dir, "rollout.yaml", rollout && virtualServices.containsKey(0) && rules.containsKey(0) ? """
                apiVersion: mesh.ficus.dev/v1alpha1
                kind: Rollout
                metadata: {name: svc-0, namespace: shop}
                spec:
                  virtualService: svc-0
                  stable: {host: svc-0, subset: v1}
                  canary: {host: svc-0, subset: v2}
                  strategy:
                    parallelRun: {percentage: 50}
                """ : "");
    }

    /** One random edit, written to the files; returns what it was. */
    public String change(Path dir) throws IOException {
        int i = random.nextInt(SERVICES);
        String what;
        switch (random.nextInt(9)) {
            case 0, 1, 2 -> {
                virtualServices.put(i, virtualService(i));
                what = "VirtualService svc-" + i + " rewritten";
            }
            case 3 -> {
                what = virtualServices.remove(i) != null ? "VirtualService svc-" + i + " removed" : "nothing for svc-" + i;
            }
            case 4 -> {
                endpoints.set(i, 1 + random.nextInt(200));
                what = "endpoint of svc-" + i + " moved";
            }
            case 5 -> {
                if (rules.containsKey(i) && random.nextBoolean()) rules.remove(i);
                else rules.put(i, rule(i));
                what = "DestinationRule svc-" + i + " changed";
            }
            case 6 -> {
                present.set(i, !present.get(i));
                what = "svc-" + i + (present.get(i) ? " added" : " removed");
            }
            case 7 -> {
                ports.set(i, ports.get(i) == 80 ? 9080 : 80);
                what = "port of svc-" + i + " changed";
            }
            default -> {
                if (random.nextBoolean()) sidecar = !sidecar;
                else rollout = !rollout;
                what = "sidecar " + sidecar + ", rollout " + rollout;
            }
        }
        writeAll(dir);
        return what;
    }

    /** Adds a route to the VirtualService of service {@code i}. */
    public void rewriteVirtualService(Path dir, int i) throws IOException {
        virtualServices.put(i, virtualServices.get(i) + "  - name: extra\n    match: [{uri: {prefix: /extra}}]\n    route: [{destination: {host: " + host(i) + "}}]\n");
        writeVirtualService(dir, i);
    }

    private void writeVirtualService(Path dir, int i) throws IOException {
        String yaml = virtualServices.get(i);
        Path f = dir.resolve("vs-svc-" + i + ".yaml");
        if (yaml == null) Files.deleteIfExists(f);
        else write(dir, f.getFileName().toString(), yaml);
    }

    private String services(String ns) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < SERVICES; i++) {
            if (!ns(i).equals(ns) || !present.get(i)) continue;
            b.append("---\napiVersion: networking.istio.io/v1\nkind: ServiceEntry\n")
                    .append("metadata: {name: svc-").append(i).append(", namespace: ").append(ns).append("}\n")
                    .append("spec:\n  hosts: [").append(host(i)).append("]\n  location: MESH_INTERNAL\n  resolution: STATIC\n")
                    // a few services share an address: their virtual hosts claim the same domains, the first keeps them
                    .append(i % 3 == 0 ? "  addresses: [240.0.0." + (i % 4) + "]\n" : "")
                    .append("  ports: [{number: ").append(ports.get(i)).append(", name: http, protocol: HTTP}")
                    .append(i % 4 == 0 ? ", {number: 8443, name: grpc, protocol: GRPC}" : "").append("]\n")
                    .append("  endpoints:\n")
                    .append("  - {address: 127.0.").append(i).append('.').append(endpoints.get(i)).append(", labels: {version: v1}}\n")
                    .append("  - {address: 127.0.").append(i).append(".250, labels: {version: v2}}\n")
                    // some services are seen by their own namespace only, or by pay's proxies only (exportTo)
                    .append(i % 7 == 5 ? "  exportTo: [\".\"]\n" : i % 7 == 3 ? "  exportTo: [pay]\n" : "");
        }
        return b.toString();
    }

    private String rules(String ns) {
        StringBuilder b = new StringBuilder();
        for (var e : rules.entrySet()) if (ns(e.getKey()).equals(ns)) b.append(e.getValue());
        return b.toString();
    }

    private String rule(int i) {
        String selector = random.nextInt(4) == 0 ? "  workloadSelector: {matchLabels: {track: canary}}\n" : "";
        String lb = random.nextBoolean() ? "ROUND_ROBIN" : "RANDOM";
        // a rule in the proxy's namespace wins over the service's own: some rules are declared elsewhere
        String where = random.nextInt(4) == 0 ? "shop" : ns(i);
        return "---\napiVersion: networking.istio.io/v1\nkind: DestinationRule\n"
                + "metadata: {name: svc-" + i + "-" + random.nextInt(3) + ", namespace: " + where + "}\n"
                + "spec:\n  host: " + host(i) + "\n" + selector + (i % 4 == 1 ? "  exportTo: [\".\"]\n" : "")
                + "  trafficPolicy: {loadBalancer: {simple: " + lb + "}}\n"
                + "  subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]\n";
    }

    private String virtualService(int i) {
        int other = random.nextInt(SERVICES);
        int w = 10 * random.nextInt(11);
        StringBuilder b = new StringBuilder("apiVersion: networking.istio.io/v1\nkind: VirtualService\n")
                .append("metadata: {name: svc-").append(i).append(", namespace: ").append(ns(i)).append("}\n")
                .append("spec:\n  hosts: [").append(host(i)).append(random.nextInt(5) == 0 ? ", legacy-" + i + ".example.com" : "").append("]\n")
                .append(i % 5 == 2 ? "  exportTo: [\".\"]\n" : "")
                .append("  http:\n");
        if (random.nextBoolean()) {
            b.append("  - name: canaries\n    match: [{sourceLabels: {track: canary}}, {headers: {x-canary: {exact: \"1\"}}}]\n")
                    .append("    route: [{destination: {host: ").append(host(i)).append(", subset: v2}}]\n");
        }
        if (random.nextBoolean()) {
            b.append("  - name: from-pay\n    match: [{sourceNamespace: pay, uri: {prefix: /pay}}]\n")
                    .append("    route: [{destination: {host: ").append(host(other)).append("}}]\n")
                    .append("    mirror: {host: ").append(host(random.nextInt(SERVICES))).append("}\n");
        }
        if (random.nextInt(4) == 0) {
            b.append("  - name: nowhere\n    match: [{uri: {exact: /gone}}]\n    route: [{destination: {host: missing.shop.svc.cluster.local}}]\n");
        }
        b.append("  - name: split\n    route:\n")
                .append("    - {destination: {host: ").append(host(i)).append(", subset: v1}, weight: ").append(100 - w).append("}\n")
                .append("    - {destination: {host: ").append(host(i)).append(", subset: v2}, weight: ").append(w).append("}\n");
        return b.toString();
    }

    private static String workloads() {
        StringBuilder b = new StringBuilder();
        for (ProxyIdentity who : IDENTITIES) {
            b.append("---\napiVersion: networking.istio.io/v1\nkind: WorkloadEntry\n")
                    .append("metadata: {name: ").append(who.name()).append(", namespace: ").append(who.namespace()).append("}\n")
                    .append("spec: {address: 127.1.0.1}\n");
        }
        return b.toString();
    }

    private static void write(Path dir, String name, String text) throws IOException {
        Path f = dir.resolve(name);
        if (Files.exists(f) && Files.readString(f, StandardCharsets.UTF_8).equals(text)) return; // unchanged: the same resources
        Files.writeString(f, text, StandardCharsets.UTF_8);
    }
}
