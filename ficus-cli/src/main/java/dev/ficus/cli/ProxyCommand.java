package dev.ficus.cli;

import dev.ficus.api.Kind;
import dev.ficus.api.Resource;
import dev.ficus.api.config.ConfigLoader;
import dev.ficus.api.config.ConfigSet;
import dev.ficus.api.config.ConfigWatcher;
import dev.ficus.api.config.Diagnostic;
import dev.ficus.api.networking.WorkloadEntry;
import dev.ficus.api.validate.Validator;
import dev.ficus.proxy.ProxyServer;
import dev.ficus.proxy.telemetry.accesslog.AccessLogConfig;
import dev.ficus.proxy.telemetry.accesslog.AccessLogger;
import dev.ficus.proxy.telemetry.trace.Tracer;
import dev.ficus.xds.snapshot.ListenerConfig;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.proxy.tls.MeshTls;
import dev.ficus.xds.ca.CertificateClient;
import dev.ficus.xds.sync.Node;
import dev.ficus.xds.sync.ControlChannel;
import dev.ficus.xds.sync.SyncClient;
import dev.ficus.xds.translate.ProxyIdentity;
import dev.ficus.xds.translate.TranslateOptions;
import dev.ficus.xds.translate.Translation;
import dev.ficus.xds.translate.Translator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.InputStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ficus proxy}: the data plane. Standalone ({@code --config PATH}), before any control
 * plane exists (the proxy pattern in front of a legacy system): the config is validated,
 * translated in-process and watched; a valid change is swapped in, a bad one is refused with its
 * diagnostics and the old config keeps serving. Dynamic ({@code --control HOST:PORT}): snapshots
 * come from the control plane over the sync stream; a snapshot that cannot be applied is NACKed
 * and the old one keeps serving, and so it does while the control plane is away. The proxy's
 * identity comes from WorkloadEntries ({@code --workload}, several in node mode) or from labels.
 * SIGTERM (or {@code POST /drain} on the admin port) drains in-flight requests, then exits 0.
 */
@Command(name = "proxy", description = {"Run the ficus proxy, on Istio YAML (--config) or fed by a control plane (--control).",
                "Listeners come from the Gateways and Sidecar that select this proxy, plus an outbound",
                "listener (default 127.0.0.1:15001) that routes to every service and also serves HTTP_PROXY."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:drained and stopped", "1:the configuration has errors, or a listener could not bind", "2:usage error"})
final class ProxyCommand implements java.util.concurrent.Callable<Integer> {
    @picocli.CommandLine.Mixin
    StandardHelp standardHelp;


    @Option(names = "--config", split = ",", paramLabel = "PATH",
            description = "Istio YAML files or directories (watched for changes): standalone mode.")
    List<String> config;

    @Option(names = "--control", paramLabel = "HOST:PORT",
            description = "The control plane's sync address: its TLS port (e.g. 127.0.0.1:15012) with --bootstrap-token-file, or its plaintext port (15010): dynamic mode.")
    String control;

    @Option(names = "--bootstrap-token-file", paramLabel = "FILE",
            description = {"The control plane's bootstrap token (its CA directory's bootstrap-token, or the FICUS_BOOTSTRAP_TOKEN variable):",
                    "sent with the first certificate request on the TLS sync port; renewals and the sync stream use the certificate."})
    java.nio.file.Path bootstrapTokenFile;

    @Option(names = "--ca-root", paramLabel = "FILE",
            description = "The mesh root certificate(s) the TLS sync port must chain to. Default: root-cert.pem beside --bootstrap-token-file.")
    java.nio.file.Path caRoot;

    /** The bootstrap token, when the file is not used. */
    static final String TOKEN_ENV = "FICUS_BOOTSTRAP_TOKEN";

    @Option(names = "--workload", split = ",", paramLabel = "NAME",
            description = "The WorkloadEntry this proxy serves (its labels, namespace and service account); with --control, several (node mode).")
    List<String> workloads;

    @Option(names = "--labels", split = ",", paramLabel = "K=V", description = "This proxy's labels, e.g. istio=ingressgateway.")
    Map<String, String> labels = new LinkedHashMap<>();

    @Option(names = {"-n", "--namespace"}, paramLabel = "NS", description = "This proxy's namespace (default: default, or the WorkloadEntry's).")
    String namespace;

    @Option(names = "--concurrency", paramLabel = "N", description = "Event-loop threads (default: the number of cores).")
    Integer concurrency;

    @Option(names = "--admin-port", defaultValue = "15000", paramLabel = "PORT", description = "Admin port (0: any free port; -1: none). Default ${DEFAULT-VALUE}.")
    int adminPort;

    @Option(names = "--admin-address", defaultValue = "127.0.0.1", paramLabel = "ADDR", description = "Admin address. Default ${DEFAULT-VALUE}.")
    String adminAddress;

    @Option(names = "--outbound-port", defaultValue = "15001", paramLabel = "PORT",
            description = "Port of the outbound listener (0: any free port; -1: none). Default ${DEFAULT-VALUE}.")
    int outboundPort;

    @Option(names = "--drain-timeout", defaultValue = "30s", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "How long SIGTERM waits for in-flight requests. Default ${DEFAULT-VALUE}.")
    Duration drainTimeout;

    // ---- merged metrics (Istio's 15020)
    @Option(names = "--metrics-port", defaultValue = "-1", paramLabel = "PORT",
            description = "Serves /stats/prometheus with the proxy's metrics and the app's (--app-metrics) on the admin address, as Istio's 15020 (0: any free port; -1: off). Default ${DEFAULT-VALUE}.")
    int metricsPort;

    @Option(names = "--app-metrics", paramLabel = "URL", description = "The app's Prometheus endpoint, merged into --metrics-port, e.g. http://127.0.0.1:8080/metrics.")
    java.net.URI appMetrics;

    /** Tracing: {@code --tracing-endpoint} (or OTEL_EXPORTER_OTLP_*), see {@link TracingOptions}. */
    @CommandLine.Mixin
    TracingOptions tracing = new TracingOptions();

    @Option(names = "--watch-interval", defaultValue = "250ms", paramLabel = "DURATION", converter = DurationConverter.class, hidden = true)
    Duration watchInterval;

    // ---- access log (docs/telemetry.md#access-logs)
    @Option(names = "--access-log", paramLabel = "-|PATH",
            description = {"Log every HTTP request as a JSON line, to stdout (-) or appended to PATH, on every listener that no Telemetry",
                    "turns off (Istio's accessLogFile). Without it, only listeners a Telemetry accessLogging entry turns on log, to stdout."})
    String accessLog;

    @Option(names = "--access-log-sample", defaultValue = "100", paramLabel = "PERCENT",
            description = "Share of the requests that pass the access-log filters which are logged, 0-100. Default ${DEFAULT-VALUE}.")
    double accessLogSample;

    /** The access log of this proxy (its writer thread starts with the first listener that logs); null when the file cannot be opened. */
    private AccessLogger accessLogger() {
        if (!(accessLogSample >= 0 && accessLogSample <= 100)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--access-log-sample wants a percentage within 0..100, got " + accessLogSample);
        }
        AccessLogConfig c = accessLog == null ? AccessLogConfig.TELEMETRY_ONLY.withSamplePercent(accessLogSample)
                : AccessLogConfig.logAll(accessLog, accessLogSample);
        try {
            return AccessLogger.open(c);
        } catch (java.io.IOException | RuntimeException e) {
            log.error("cannot open the access log " + accessLog + ": " + e.getMessage());
            return null;
        }
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Set by {@code ficus up}: the proxy drains and exits when that process is gone. */
    static final String PARENT_PID_ENV = "FICUS_PARENT_PID";

    private final Log log = new Log("proxy", System.err);

    /** What the telemetry options ask of the proxy: the merged metrics port, the access log (and, as it lands, tracing). */
    private void telemetry(ProxyServer.Builder b, AccessLogger accessLog) {
        if (appMetrics != null && metricsPort < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--app-metrics is served on --metrics-port; set one (e.g. --metrics-port 15020)");
        }
        b.mergedMetrics(metricsPort, appMetrics);
        b.observer(accessLog);
    }

    @Override
    public Integer call() throws Exception {
        if (workloads != null && !labels.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "use either --workload or --labels, not both");
        }
        if ((config == null) == (control == null)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give either --config PATH (standalone) or --control HOST:PORT (fed by a control plane)");
        }
        if (control != null) return dynamic();
        if (workloads != null && workloads.size() > 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "a standalone proxy serves one --workload; several need --control (node mode)");
        }
        ConfigLoader.Result loaded = Validator.loadAndValidate(config, InputStream.nullInputStream());
        if (loaded.hasErrors()) {
            loaded.diagnostics().forEach(d -> System.err.println(d.format()));
            log.error("the configuration has errors; not starting");
            return 1;
        }
        ConfigSet effective = Validator.effective(loaded.config());
        ProxyIdentity who;
        try {
            who = identity(effective);
        } catch (IllegalArgumentException e) {
            log.error(e.getMessage());
            return 1;
        }
        TranslateOptions options = TranslateOptions.DEFAULTS.withOutboundPort(outboundPort);
        Translation first = Translator.translate(effective, who, options);
        first.notes().forEach(d -> log.warn(d.format()));
        AccessLogger accessLog = accessLogger();
        if (accessLog == null) return 1;
        Tracer tracer = startTracer(ProcessHandle.current().pid() + "@" + hostName());

        CountDownLatch stopped = new CountDownLatch(1);
        ProxyServer.Builder b = ProxyServer.builder()
                .snapshot(first.snapshot())
                .adminHost(adminAddress)
                .adminPort(adminPort)
                .drainTimeout(drainTimeout)
                .onDrained(stopped::countDown);
        if (concurrency != null) b.concurrency(concurrency);
        telemetry(b, accessLog);
        b.tlsEvents(log::info, log::error); // gateway certificate files renewed or broken
        if (tracer != null) b.observer(tracer);
        ProxyServer server = b.build();
        server.stats().register(accessLog::prometheus);
        if (tracer != null) server.stats().register(tracer::prometheus);
        try {
            server.start();
        } catch (Exception e) { // Netty rethrows bind failures (a checked IOException) from sync()
            if (tracer != null) tracer.close();
            log.error("cannot start: " + e.getMessage() + (e.getMessage() != null && e.getMessage().contains("in use")
                    ? " (another process listens on a port of this config or on the admin port; see --admin-port, --outbound-port)" : ""));
            return 1;
        }
        // SIGTERM and Ctrl-C drain in-flight requests, then the command returns and exits 0.
        Signals.onTermination(signal -> {
            log.info("stopping on SIG" + signal + ": draining in-flight requests (up to " + drainTimeout.toSeconds() + "s)");
            server.drain();
        });
        // Any other way out (an exit elsewhere, SIGHUP) still closes the listeners, then writes the queued access log lines.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            accessLog.close();
            if (tracer != null) tracer.close();
        }, "ficus-shutdown"));

        log.info(readyLine(server, first.snapshot(), who.namespace() + "/" + who.name()));
        ProxyServer.preloadTlsNow(); // serving: BoringSSL's set-up no longer delays anything (a later TLS handshake finds it loaded)

        ConfigWatcher watcher = new ConfigWatcher(config, watchInterval.toMillis(), () -> reload(server, who, options));
        try {
            stopped.await();
        } finally {
            watcher.close();
        }
        logDrained(server);
        server.close();
        accessLog.close();
        if (tracer != null) tracer.close(); // sends the spans still queued
        return 0;
    }

    /** Whether the drain let every exchange finish, or the drain timeout cut some (their connections were closed). */
    private void logDrained(ProxyServer server) {
        int cut = server.cutByDrain();
        if (cut == 0) log.info("drained; exiting");
        else log.warn("drain timeout (" + drainTimeout.toSeconds() + "s) passed with " + cut + " connection" + (cut == 1 ? "" : "s")
                + " still busy; closed " + (cut == 1 ? "it" : "them") + "; exiting");
    }

    private String readyLine(ProxyServer server, ProxySnapshot s, String who) {
        StringBuilder ready = new StringBuilder("ready: version " + s.version() + " as " + who);
        for (ListenerConfig l : s.listeners()) {
            ready.append("; ").append(l.name()).append(" on ").append(l.bind().host()).append(':').append(server.listenerPort(l.name()));
            if (l.protocol() == dev.ficus.xds.snapshot.ListenerProtocol.TCP) ready.append(" (TCP)");
        }
        if (adminPort >= 0) ready.append("; admin on http://").append(adminAddress).append(':').append(server.adminPort());
        if (metricsPort >= 0) ready.append("; metrics on http://").append(adminAddress).append(':').append(server.metricsPort()).append("/stats/prometheus");
        return ready.toString();
    }

    /**
     * Fed by a control plane: the first snapshot starts the server (a listener that cannot bind
     * NACKs it, and the next push tries again), every later one updates it.
     */
    private int dynamic() throws Exception {
        int colon = control.lastIndexOf(':');
        int port;
        try {
            port = Integer.parseInt(control.substring(colon + 1));
        } catch (RuntimeException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--control wants HOST:PORT, e.g. 127.0.0.1:15010; got '" + control + "'");
        }
        String host = control.substring(0, Math.max(colon, 0));
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        // the control plane reads the admin port's metrics for the service graph: it must know the
        // port before the first snapshot starts the admin server, so "any free port" is chosen now
        if (adminPort == 0) adminPort = freePort(adminAddress);
        Node node = new Node(ProcessHandle.current().pid() + "@" + hostName(), workloads == null ? List.of() : workloads,
                namespace, labels, VersionCommand.version(), outboundPort == 15001 ? null : outboundPort, adminPort > 0 ? adminPort : null);
        AccessLogger accessLog = accessLogger();
        if (accessLog == null) return 1;
        CountDownLatch stopped = new CountDownLatch(1);
        ProxyServer[] server = new ProxyServer[1];
        Tracer tracer = startTracer(node.id());
        // one certificate per workload (node mode keeps each workload's identity); the first one's
        // is also the identity of the proxy's outbound connections
        Map<String, MeshTls> tlsByWorkload = new LinkedHashMap<>();
        for (String w : node.workloads()) tlsByWorkload.put(w, new MeshTls());
        MeshTls meshTls = node.workloads().isEmpty() ? new MeshTls() : tlsByWorkload.get(node.workloads().getFirst());
        // ready once every mesh certificate is in hand (or the control plane signs none on this port):
        // a proxy ready before its certificate fails its calls to STRICT peers
        List<CertificateClient> certs = new java.util.ArrayList<>();
        SyncClient.Applier applier = snapshot -> {
            if (server[0] != null) {
                server[0].update(snapshot);
                return;
            }
            ProxyServer.Builder b = ProxyServer.builder().snapshot(snapshot).adminHost(adminAddress).adminPort(adminPort)
                    .meshTls(meshTls).workloadTls(w -> tlsByWorkload.get(w.substring(w.indexOf('/') + 1)))
                    .drainTimeout(drainTimeout).onDrained(stopped::countDown)
                    .readyWhen(() -> certs.stream().allMatch(c -> c.settled().isDone()));
            if (concurrency != null) b.concurrency(concurrency);
            telemetry(b, accessLog);
            b.tlsEvents(log::info, log::error);
            if (tracer != null) b.observer(tracer);
            ProxyServer s = b.build();
            s.stats().register(accessLog::prometheus);
            if (tracer != null) s.stats().register(tracer::prometheus);
            try {
                s.start();
            } catch (Exception e) {
                throw new IllegalStateException("cannot start: " + e.getMessage(), e);
            }
            server[0] = s;
        };
        ControlChannel.Tls controlTls = controlTls();
        log.info("waiting for the control plane at " + control + (controlTls == null ? " (plaintext)" : " (TLS)") + " as " + node.describe());
        // the mesh certificates: keys made here, CSRs to the control plane's CA, renewed at half life
        Map<String, MeshTls> targets = new LinkedHashMap<>(tlsByWorkload);
        if (targets.isEmpty()) targets.put("", meshTls);
        String caHost = host;
        targets.forEach((workload, tls) -> {
            CertificateClient.Builder cb = CertificateClient.builder().control(caHost, port).node(node).workload(workload).log(log::info);
            if (controlTls != null) cb.tls(controlTls);
            CertificateClient c = cb.start();
            c.addListener(bundle -> {
                try {
                    String td = MeshTls.spiffeId(bundle.leaf()).substring("spiffe://".length()).split("/")[0];
                    tls.update(new MeshTls.Credentials(bundle.key(), bundle.chain(), bundle.roots(), td));
                } catch (javax.net.ssl.SSLException | RuntimeException e) {
                    log.error("cannot use the new certificate: " + e.getMessage() + "; keeping the previous one");
                }
            });
            certs.add(c);
        });
        CompletableFuture<SyncClient> clientStarted = new CompletableFuture<>();
        if (controlTls == null) {
            clientStarted.complete(SyncClient.start(host, port, node, applier, log::info));
        } else {
            // over TLS the sync stream is authenticated by a workload certificate: it opens once they are all issued
            CertificateClient first = certs.getFirst();
            String syncHost = host;
            CompletableFuture.allOf(certs.stream().map(CertificateClient::first).toArray(CompletableFuture[]::new)).thenRun(() -> {
                if (clientStarted.isDone()) return; // stopped before the certificates came
                // one certificate proves one identity: a node whose workloads have several also shows the token
                boolean several = certs.stream().map(CertificateClient::identity).distinct().count() > 1;
                clientStarted.complete(SyncClient.startTls(syncHost, port, controlTls,
                        () -> first.current().map(b -> new ControlChannel.ClientKey(b.key(), b.chain())).orElse(null), several, node, applier, log::info));
            });
        }
        Signals.onTermination(signal -> {
            ProxyServer s = server[0];
            if (s == null) {
                log.info("stopping on SIG" + signal + " before the first config arrived");
                stopped.countDown();
                return;
            }
            log.info("stopping on SIG" + signal + ": draining in-flight requests (up to " + drainTimeout.toSeconds() + "s)");
            s.drain();
        });
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (server[0] != null) server[0].close();
            accessLog.close();
            if (tracer != null) tracer.close();
        }, "ficus-shutdown"));
        CompletableFuture<Void> certsSettled = CompletableFuture.allOf(certs.stream().map(CertificateClient::settled).toArray(CompletableFuture[]::new));
        clientStarted.thenCompose(SyncClient::firstSnapshot).thenCompose(s -> {
            if (!certsSettled.isDone()) log.info("config received; waiting for the mesh certificate before ready");
            return certsSettled.thenApply(x -> server[0] != null ? server[0].snapshot() : s); // the config in force by then
        }).thenAccept(s -> log.info(readyLine(server[0], s, node.describe())));
        Child.onParentGone(log, "proxy", () -> {
            ProxyServer s = server[0];
            if (s == null) stopped.countDown();
            else s.drain();
        });
        try {
            stopped.await();
        } finally {
            SyncClient client = clientStarted.getNow(null);
            if (client != null) client.close();
            clientStarted.cancel(false);
            certs.forEach(CertificateClient::close);
        }
        if (server[0] != null) {
            logDrained(server[0]);
            server[0].close();
        }
        accessLog.close();
        if (tracer != null) tracer.close(); // sends the spans still queued
        return 0;
    }

    /**
     * TLS to the control plane when a token or a root is given: the root from {@code --ca-root}, or
     * beside the token file (where {@code ficus control} keeps both); the token from its file or
     * {@value #TOKEN_ENV}. Null: plaintext.
     */
    private ControlChannel.Tls controlTls() {
        String token = System.getenv(TOKEN_ENV);
        if (bootstrapTokenFile != null) {
            try {
                token = java.nio.file.Files.readString(bootstrapTokenFile).trim();
            } catch (java.io.IOException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "cannot read --bootstrap-token-file " + bootstrapTokenFile + ": " + e.getMessage());
            }
            if (token.isEmpty()) throw new CommandLine.ParameterException(spec.commandLine(), "--bootstrap-token-file " + bootstrapTokenFile + " is empty");
        }
        java.nio.file.Path root = caRoot;
        if (root == null && bootstrapTokenFile != null) {
            java.nio.file.Path beside = bootstrapTokenFile.toAbsolutePath().resolveSibling("root-cert.pem");
            if (java.nio.file.Files.isRegularFile(beside)) root = beside;
        }
        if (root == null && token == null) return null;
        if (root == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "the TLS sync port needs the mesh root to check the control plane against: "
                    + "give --ca-root FILE (the control plane's CA directory holds it as root-cert.pem)");
        }
        List<java.security.cert.X509Certificate> roots;
        try {
            roots = dev.ficus.xds.ca.Pem.decodeCertificates(java.nio.file.Files.readString(root));
        } catch (java.io.IOException | IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "cannot read the mesh root " + root + ": " + e.getMessage());
        }
        if (roots.isEmpty()) throw new CommandLine.ParameterException(spec.commandLine(), root + " holds no certificate");
        return new ControlChannel.Tls(roots, token);
    }

    /** A port free now on {@code address} (the kernel's choice; another process could take it before the admin server binds). */
    private static int freePort(String address) throws java.io.IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName(address))) {
            return s.getLocalPort();
        }
    }

    /** The tracer {@code --tracing-endpoint} (or OTEL_EXPORTER_OTLP_*) asks for, or null; a bad URL is a usage error. */
    private Tracer startTracer(String nodeId) {
        try {
            return tracing.start(nodeId, log);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /**
     * The machine's name, as {@code InetAddress.getLocalHost().getHostName()} gives it; from the
     * kernel on Linux, since the JDK's resolver is found by a search of every jar of the class
     * path (50 ms of a proxy's start) and then resolves the name, which nothing here needs.
     */
    private static String hostName() {
        try {
            String kernel = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/kernel/hostname")).strip();
            if (!kernel.isEmpty()) return kernel;
        } catch (java.io.IOException | RuntimeException e) { // not Linux: ask the JDK
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "localhost";
        }
    }

    /** The last change was refused: the next good one says so even when it is the version served (the mistake undone). */
    private boolean lastRefused;

    /** Re-reads, validates and translates the config; swaps it in only when it is free of errors. Called by the file watcher's thread. */
    private void reload(ProxyServer server, ProxyIdentity who, TranslateOptions options) {
        ConfigLoader.Result loaded = Validator.loadAndValidate(config, InputStream.nullInputStream());
        String serving = server.snapshot().version();
        if (loaded.hasErrors()) {
            loaded.diagnostics().stream().filter(Diagnostic::isError).forEach(d -> log.error(d.format()));
            log.error("config change refused; still serving version " + serving);
            lastRefused = true;
            return;
        }
        try {
            Translation t = Translator.translate(Validator.effective(loaded.config()), who, options);
            if (t.snapshot().version().equals(serving)) {
                if (lastRefused) log.info("config is valid again: it is version " + serving + ", the one served");
                lastRefused = false;
                return;
            }
            t.notes().forEach(d -> log.warn(d.format()));
            server.update(t.snapshot());
            lastRefused = false;
            log.info("config version " + t.snapshot().version() + " applied (was " + serving + ")");
        } catch (RuntimeException e) {
            lastRefused = true;
            log.error("config change refused (" + e.getMessage() + "); still serving version " + serving);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private ProxyIdentity identity(ConfigSet config) {
        String workload = workloads == null ? null : workloads.getFirst();
        if (workload == null) {
            String ns = namespace != null ? namespace : "default";
            String name = labels.getOrDefault("app", "proxy");
            return new ProxyIdentity(name, ns, labels, null);
        }
        List<Resource<WorkloadEntry>> matches = config.all(Kind.WORKLOAD_ENTRY, WorkloadEntry.class).stream()
                .filter(w -> w.name().equals(workload) && (namespace == null || w.namespace().equals(namespace)))
                .toList();
        if (matches.isEmpty()) {
            throw new IllegalArgumentException("no WorkloadEntry named '" + workload + "'" + (namespace == null ? "" : " in namespace " + namespace)
                    + " in " + String.join(", ", config()));
        }
        if (matches.size() > 1) {
            throw new IllegalArgumentException("WorkloadEntry '" + workload + "' exists in several namespaces ("
                    + String.join(", ", matches.stream().map(Resource::namespace).toList()) + "); add --namespace");
        }
        Resource<WorkloadEntry> w = matches.getFirst();
        return new ProxyIdentity(w.name(), w.namespace(), w.spec().labels(), w.spec().serviceAccount());
    }

    private List<String> config() {
        return config;
    }

    /** Reads Istio-style durations ({@code 30s}, {@code 250ms}) for options. */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return dev.ficus.api.Durations.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
