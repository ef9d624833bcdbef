package dev.ficus.bench.mesh;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The processes of one scenario, started and checked: where the load goes (port and Host header),
 * which processes are proxies (measured), and what the path's security was seen to be. Closing
 * stops them in reverse order, by PID.
 *
 * @param port     where the client connects
 * @param host     the Host header the client sends
 * @param proxies  the proxy processes (CPU and RSS are sampled on these)
 * @param others   processes that serve the path but are not measured (the control plane)
 * @param security what proxy B's admin {@code /mtls} reported for its callers ("mutual_tls",
 *                 "plaintext"), or "-" where there is no mesh hop
 */
record RunningScenario(Scenario scenario, int port, String host, List<ManagedProcess> proxies,
                       List<ManagedProcess> others, String security, List<Integer> adminPorts, OtlpSink sink)
        implements AutoCloseable {

    /**
     * Everything a scenario needs from the run: the launcher, the tools, the backend, a directory,
     * and which CPUs the proxies and the other processes run on.
     */
    record Environment(Path ficus, Path nginx, Path haproxy, int backendPort, Path workDir, int policyRules,
                       Duration startTimeout, CpuPinning pinning) {
    }

    RunningScenario(Scenario scenario, int port, String host, List<ManagedProcess> proxies, List<ManagedProcess> others,
                    String security) {
        this(scenario, port, host, proxies, others, security, List.of(), null);
    }

    static RunningScenario start(Scenario s, Environment env, int round) throws IOException, InterruptedException {
        Path dir = Files.createDirectories(env.workDir().resolve("r" + round + "-" + s.label()));
        List<ManagedProcess> started = new ArrayList<>();
        try {
            return switch (s) {
                case DIRECT -> new RunningScenario(s, env.backendPort(), "127.0.0.1", List.of(), List.of(), "-");
                case HAPROXY -> {
                    int port = freePort();
                    Path cfg = write(dir.resolve("haproxy.cfg"), MeshConfigs.haproxy(dir, port, env.backendPort()));
                    // -db: stay in the foreground, so the PID we hold is the one that serves
                    ManagedProcess p = ManagedProcess.start("haproxy", env.pinning().proxy(List.of(env.haproxy().toString(), "-db", "-f", cfg.toString())), dir);
                    started.add(p);
                    awaitServing(p, port, "127.0.0.1", env.startTimeout());
                    yield new RunningScenario(s, port, "127.0.0.1", List.of(p), List.of(), "-");
                }
                case NGINX -> {
                    int port = freePort();
                    Path cfg = write(dir.resolve("nginx-proxy.conf"), MeshConfigs.nginxProxy(dir, port, env.backendPort()));
                    ManagedProcess p = ManagedProcess.start("nginx-proxy", env.pinning().proxy(List.of(env.nginx().toString(), "-c", cfg.toString())), dir);
                    started.add(p);
                    awaitServing(p, port, "127.0.0.1", env.startTimeout());
                    yield new RunningScenario(s, port, "127.0.0.1", List.of(p), List.of(), "-");
                }
                case FICUS_1HOP, FICUS_1HOP_NO_TELEMETRY, FICUS_1HOP_ACCESS_LOG -> {
                    int port = freePort(), admin = freePort();
                    Path cfg = Files.createDirectories(dir.resolve("config"));
                    write(cfg.resolve("proxy.yaml"), MeshConfigs.ficusStandalone(port, env.backendPort()));
                    if (!s.metrics()) write(cfg.resolve("telemetry.yaml"), MeshConfigs.TELEMETRY_OFF);
                    List<String> cmd = new java.util.ArrayList<>(List.of(env.ficus().toString(), "proxy",
                            "--config", cfg.toString(), "--labels", "app=bench", "--concurrency", "1",
                            "--outbound-port", "-1", "--admin-port", Integer.toString(admin), "--drain-timeout", "2s"));
                    if (s == Scenario.FICUS_1HOP_ACCESS_LOG) cmd.addAll(List.of("--access-log", dir.resolve("access.log").toString()));
                    ManagedProcess p = ManagedProcess.start("ficus-proxy", env.pinning().proxy(cmd), dir);
                    started.add(p);
                    p.awaitLine("ready: ", env.startTimeout());
                    awaitServing(p, port, "127.0.0.1", env.startTimeout());
                    checkMetrics(s, p, admin);
                    yield new RunningScenario(s, port, "127.0.0.1", List.of(p), List.of(), "-", List.of(admin), null);
                }
                case FICUS_2HOP, FICUS_2HOP_MTLS, FICUS_2HOP_MTLS_AUTHZ, FICUS_2HOP_MTLS_NO_TELEMETRY, FICUS_2HOP_MTLS_TRACING -> {
                    OtlpSink sink = s.tracing() ? new OtlpSink() : null;
                    try {
                        yield startMesh(s, env, dir, started, sink);
                    } catch (IOException | InterruptedException | RuntimeException e) {
                        if (sink != null) sink.close();
                        throw e;
                    }
                }
            };
        } catch (IOException | InterruptedException | RuntimeException e) {
            for (ManagedProcess p : started.reversed()) p.close();
            throw e;
        }
    }

    /**
     * That the proxy counts Istio's metrics exactly when the scenario says so: after the readiness
     * request, {@code istio_requests_total} is on its admin port with telemetry on and absent with
     * it off. Otherwise the comparison would measure nothing, so the run stops.
     */
    private static void checkMetrics(Scenario s, ManagedProcess p, int admin) throws IOException, InterruptedException {
        // the exchange is counted when it ends, which may be just after the client got the response
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        boolean counted;
        while (true) {
            String stats = HttpProbe.body(admin, "/stats/prometheus", Duration.ofSeconds(3));
            if (stats == null) throw new IOException(p.name() + ": no answer from its admin /stats/prometheus on port " + admin);
            counted = stats.lines().anyMatch(l -> l.startsWith("istio_requests_total{"));
            if (counted || !s.metrics() || System.nanoTime() > deadline) break;
            Thread.sleep(50);
        }
        if (counted != s.metrics()) {
            throw new IOException(s.label() + ": " + p.name() + (counted ? " counts istio_requests_total although its Telemetry turns metrics off"
                    : " has no istio_requests_total after a request went through"));
        }
    }

    /** One Prometheus counter of a proxy's admin port, e.g. {@code ficus_tracing_spans_total{result="dropped"}}; -1 when absent. */
    static long counter(int admin, String series) {
        String stats = HttpProbe.body(admin, "/stats/prometheus", Duration.ofSeconds(3));
        if (stats == null) return -1;
        return stats.lines().filter(l -> l.startsWith(series + " ")).findFirst()
                .map(l -> (long) Double.parseDouble(l.substring(series.length() + 1).trim())).orElse(-1L);
    }

    private static RunningScenario startMesh(Scenario s, Environment env, Path dir, List<ManagedProcess> started, OtlpSink sink)
            throws IOException, InterruptedException {
        int sync = freePort(), syncTls = freePort(), inbound = freePort(), outbound = freePort(), adminA = freePort(), adminB = freePort();
        Path cfg = Files.createDirectories(dir.resolve("config"));
        write(cfg.resolve("mesh.yaml"), MeshConfigs.ficusMesh(s, inbound, env.backendPort(), env.policyRules()));
        Path ca = Files.createDirectories(dir.resolve("ca"));
        // the proxies enrol on the TLS sync port with the bootstrap token (the root beside it is what they check it against)
        String control = "127.0.0.1:" + syncTls;
        String token = ca.resolve("bootstrap-token").toString();
        ManagedProcess cp = ManagedProcess.start("ficus-control", env.pinning().other(List.of(env.ficus().toString(), "control", "--config", cfg.toString(),
                "--sync-port", Integer.toString(sync), "--sync-tls-port", Integer.toString(syncTls), "--http-port", "-1", "--ca-dir", ca.toString())), dir);
        started.add(cp);
        cp.awaitLine("ready: ", env.startTimeout());
        List<String> tracing = sink == null ? List.of() : List.of("--tracing-endpoint", sink.endpoint());
        List<String> cmdB = new ArrayList<>(List.of(env.ficus().toString(), "proxy", "--control", control, "--bootstrap-token-file", token,
                "--workload", "backend-1", "-n", MeshConfigs.NAMESPACE, "--concurrency", "1", "--outbound-port", "-1",
                "--admin-port", Integer.toString(adminB), "--drain-timeout", "2s"));
        cmdB.addAll(tracing);
        ManagedProcess b = ManagedProcess.start("ficus-proxy-b", env.pinning().proxy(cmdB), dir);
        started.add(b);
        List<String> cmdA = new ArrayList<>(List.of(env.ficus().toString(), "proxy", "--control", control, "--bootstrap-token-file", token,
                "--workload", "client", "-n", MeshConfigs.NAMESPACE, "--concurrency", "1", "--outbound-port", Integer.toString(outbound),
                "--admin-port", Integer.toString(adminA), "--drain-timeout", "2s"));
        cmdA.addAll(tracing);
        ManagedProcess a = ManagedProcess.start("ficus-proxy-a", env.pinning().proxy(cmdA), dir);
        started.add(a);
        for (ManagedProcess p : List.of(b, a)) {
            p.awaitLine("ready: ", env.startTimeout());
            // every proxy under the control plane asks for a certificate; the mTLS paths need it
            p.awaitLine("certificate issued for spiffe://", env.startTimeout());
            if (sink != null) p.awaitLine("tracing: spans go to ", env.startTimeout());
        }
        awaitServing(a, outbound, MeshConfigs.SERVICE_HOST, env.startTimeout());
        String security = security(adminB);
        if (s.mtls() && !security.equals("mutual_tls")) {
            throw new IOException(s.label() + ": proxy B's /mtls does not show STRICT with mutual_tls callers only (saw "
                    + security + "): the path is not mTLS; B's view: " + HttpProbe.body(adminB, "/mtls?minutes=15", Duration.ofSeconds(3)));
        }
        if (!s.mtls() && !security.equals("plaintext")) {
            throw new IOException(s.label() + ": expected plaintext between the proxies, B's /mtls shows " + security);
        }
        checkMetrics(s, a, adminA);
        checkMetrics(s, b, adminB);
        return new RunningScenario(s, outbound, MeshConfigs.SERVICE_HOST, List.of(a, b), List.of(cp), security, List.of(adminA, adminB), sink);
    }

    /**
     * What B's admin {@code /mtls} says about its callers after the readiness request went through:
     * "mutual_tls" when the mode is STRICT and the client's identity called over mTLS (STRICT
     * refuses plaintext connections, so every request served was mTLS; a plaintext attempt refused
     * before that is allowed), "plaintext" when every caller was plaintext, otherwise a short
     * description.
     */
    private static String security(int adminB) {
        String json = HttpProbe.body(adminB, "/mtls?minutes=15", Duration.ofSeconds(3));
        if (json == null) return "unknown (no /mtls answer)";
        boolean mtls = json.contains("\"security\":\"mutual_tls\",\"principal\":\"" + MeshConfigs.CLIENT_PRINCIPAL + "\"");
        boolean plain = json.contains("\"security\":\"plaintext\"");
        boolean strict = json.contains("\"mode\":\"STRICT\"");
        if (mtls && strict) return "mutual_tls";
        if (plain && !mtls) return "plaintext";
        return "mixed (client over mutual_tls " + mtls + ", plaintext " + plain + ", STRICT " + strict + ")";
    }

    private static void awaitServing(ManagedProcess p, int port, String host, Duration atMost) throws IOException, InterruptedException {
        if (!HttpProbe.awaitOk(port, host, atMost)) {
            throw new IOException(p.name() + ": no 200 through 127.0.0.1:" + port + " (Host " + host + ") within "
                    + atMost.toSeconds() + " s; its log:\n" + p.tail());
        }
    }

    static Path write(Path file, String text) throws IOException {
        return Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    /** Below Linux's default ephemeral range (32768-60999), where client sockets take their ports. */
    static final int LISTEN_PORTS_FROM = 20000, LISTEN_PORTS_TO = 32000;

    /**
     * A port free right now on 127.0.0.1, drawn below the ephemeral range: the load generator's
     * thousands of client connections take ports from that range, and one of them could take a
     * port the kernel had just handed out here before the proxy binds it. Falls back to the
     * kernel's choice when no drawn port is free; a small race with other programs remains.
     */
    static int freePort() throws IOException {
        java.util.concurrent.ThreadLocalRandom rnd = java.util.concurrent.ThreadLocalRandom.current();
        for (int i = 0; i < 50; i++) {
            int port = rnd.nextInt(LISTEN_PORTS_FROM, LISTEN_PORTS_TO);
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(false);
                s.bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port), 1);
                return port;
            } catch (IOException taken) {
                // in use: draw another
            }
        }
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        // the entry first, so nothing sends into a stopped hop
        for (ManagedProcess p : proxies) p.close();
        for (ManagedProcess p : others) p.close();
        if (sink != null) sink.close();
    }
}
