package dev.ficus.bench.mesh;

import java.nio.file.Path;
import java.util.Locale;

/**
 * The configuration text of every process a scenario starts. The backend and the peers follow
 * the shared peer scripts (backend.sh, haproxy.cfg, nginx-proxy.conf) with their own ports and
 * files, plus "stay in the foreground" so that they can be stopped by PID; ficus gets Istio YAML.
 */
final class MeshConfigs {
    /** The host a mesh client calls; the ServiceEntry's port is part of it. */
    static final String SERVICE_HOST = "backend.bench.svc.cluster.local:9080";
    static final String NAMESPACE = "bench";
    static final String CLIENT_PRINCIPAL = "cluster.local/ns/bench/sa/client";

    private MeshConfigs() {
    }

    /**
     * backend.sh's nginx: one worker, a 1 KiB body, access log off; plus a cache of the body's open
     * file, so that a request costs no open, fstat and close: the same response (headers and body)
     * for about 40% less CPU. Under {@code --pin} the backend shares a CPU with the load
     * generator, and the cheaper that side is, the more a closed-loop pass is bound by the proxy.
     */
    static String nginxBackend(Path dir, int port) {
        return String.format(Locale.ROOT, """
                daemon off;
                worker_processes 1;
                pid %1$s/nginx-backend.pid;
                error_log %1$s/nginx-backend.err;
                events { worker_connections 4096; }
                http {
                  access_log off;
                  open_file_cache max=16 inactive=1h;
                  open_file_cache_valid 1h;
                  server { listen 127.0.0.1:%2$d; keepalive_requests 10000000; root %1$s;
                    location / { try_files /body =404; default_type text/plain; } }
                }
                """, dir, port);
    }

    /** nginx-proxy.conf: one worker, keep-alive upstream. */
    static String nginxProxy(Path dir, int port, int backend) {
        return String.format(Locale.ROOT, """
                daemon off;
                worker_processes 1;
                pid %1$s/np.pid;
                error_log %1$s/np.err;
                events { worker_connections 4096; }
                http {
                  access_log off;
                  upstream be { server 127.0.0.1:%3$d; keepalive 64; }
                  server { listen 127.0.0.1:%2$d; keepalive_requests 10000000;
                    location / { proxy_pass http://be; proxy_http_version 1.1; proxy_set_header Connection ""; } }
                }
                """, dir, port, backend);
    }

    /** haproxy.cfg: one thread, HTTP keep-alive, connection reuse to the backend. */
    static String haproxy(Path dir, int port, int backend) {
        return String.format(Locale.ROOT, """
                global
                  nbthread 1
                  pidfile %1$s/hap.pid
                defaults
                  mode http
                  timeout connect 5s
                  timeout client 30s
                  timeout server 30s
                  option http-keep-alive
                frontend fe
                  bind 127.0.0.1:%2$d
                  default_backend be
                backend be
                  http-reuse always
                  server s1 127.0.0.1:%3$d
                """, dir, port, backend);
    }

    /** examples/bench/proxy.yaml with other ports: one Sidecar ingress port forwarding to the backend. */
    static String ficusStandalone(int port, int backend) {
        return String.format(Locale.ROOT, """
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata:
                  name: bench
                spec:
                  workloadSelector:
                    labels:
                      app: bench
                  ingress:
                  - port:
                      number: %d
                      protocol: HTTP
                      name: http
                    bind: 127.0.0.1
                    defaultEndpoint: 127.0.0.1:%d
                """, port, backend);
    }

    /**
     * Two workloads under a control plane: {@code client} (proxy A, egress only) calls the service
     * {@code backend}, whose one endpoint is proxy B's Sidecar ingress port in front of the backend.
     * The endpoint carries {@code security.istio.io/tlsMode: istio}, so A's auto mTLS speaks mTLS
     * unless a DestinationRule says {@code DISABLE}.
     */
    static String ficusMesh(Scenario scenario, int inbound, int backend, int policyRules) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, """
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: client, namespace: bench}
                spec: {address: 127.0.0.1, labels: {app: client}, serviceAccount: client}
                ---
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: client, namespace: bench}
                spec:
                  workloadSelector: {labels: {app: client}}
                  egress: [{hosts: ["./*"]}]
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: backend, namespace: bench}
                spec:
                  hosts: [backend.bench.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 9080, name: http, protocol: HTTP}]
                  workloadSelector: {labels: {app: backend}}
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: backend-1, namespace: bench}
                spec:
                  address: 127.0.0.1
                  ports: {http: %1$d}
                  labels: {app: backend, security.istio.io/tlsMode: istio}
                  serviceAccount: backend
                ---
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: backend, namespace: bench}
                spec:
                  workloadSelector: {labels: {app: backend}}
                  ingress: [{port: {number: %1$d, protocol: HTTP, name: http}, bind: 127.0.0.1, defaultEndpoint: "127.0.0.1:%2$d"}]
                """, inbound, backend));
        if (!scenario.mtls()) {
            b.append("""
                    ---
                    apiVersion: networking.istio.io/v1
                    kind: DestinationRule
                    metadata: {name: backend, namespace: bench}
                    spec: {host: backend.bench.svc.cluster.local, trafficPolicy: {tls: {mode: DISABLE}}}
                    """);
        } else {
            b.append("""
                    ---
                    apiVersion: security.istio.io/v1
                    kind: PeerAuthentication
                    metadata: {name: default, namespace: bench}
                    spec: {mtls: {mode: STRICT}}
                    """);
        }
        if (scenario == Scenario.FICUS_2HOP_MTLS_AUTHZ) b.append(authorizationPolicy(policyRules));
        if (!scenario.metrics()) b.append(TELEMETRY_OFF);
        if (scenario.tracing()) b.append(TRACING_EVERY_REQUEST);
        return b.toString();
    }

    /** A mesh-wide Telemetry resource turning every metric and span off: what the no-telemetry scenarios add. */
    static final String TELEMETRY_OFF = """
            ---
            apiVersion: telemetry.istio.io/v1
            kind: Telemetry
            metadata: {name: mesh-default, namespace: istio-system}
            spec:
              metrics: [{overrides: [{disabled: true}]}]
              tracing: [{disableSpanReporting: true}]
            """;

    /** A mesh-wide Telemetry resource sampling every request (metrics stay on, as by default). */
    static final String TRACING_EVERY_REQUEST = """
            ---
            apiVersion: telemetry.istio.io/v1
            kind: Telemetry
            metadata: {name: mesh-default, namespace: istio-system}
            spec:
              tracing: [{randomSamplingPercentage: 100}]
            """;

    /**
     * An ALLOW policy on the backend with {@code rules} rules: the first ones name other callers
     * and paths, only the last admits the client's identity, so a request is checked against all.
     */
    static String authorizationPolicy(int rules) {
        StringBuilder b = new StringBuilder("""
                ---
                apiVersion: security.istio.io/v1
                kind: AuthorizationPolicy
                metadata: {name: backend-callers, namespace: bench}
                spec:
                  selector: {matchLabels: {app: backend}}
                  action: ALLOW
                  rules:
                """);
        for (int i = 1; i < rules; i++) {
            b.append(String.format(Locale.ROOT,
                    "  - {from: [{source: {principals: [\"cluster.local/ns/bench/sa/other-%1$d\"]}}], to: [{operation: {methods: [GET], paths: [\"/api/v%1$d/*\"]}}]}%n", i));
        }
        b.append("  - {from: [{source: {principals: [\"" + CLIENT_PRINCIPAL + "\"]}}], to: [{operation: {methods: [GET], paths: [\"/*\"]}}]}\n");
        return b.toString();
    }
}
