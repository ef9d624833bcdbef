package dev.ficus.cli;

import dev.ficus.api.Kind;
import dev.ficus.api.Resource;
import dev.ficus.api.config.ConfigLoader;
import dev.ficus.api.config.ConfigSet;
import dev.ficus.api.mesh.App;
import dev.ficus.api.mesh.ReadinessProbe;
import dev.ficus.api.networking.Sidecar;
import dev.ficus.api.networking.WorkloadEntry;
import dev.ficus.api.validate.Validator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ficus up DIR}: a whole mesh on one machine in one command. Starts a control plane on
 * DIR, the proxies for the meshed workloads (one for all of them by default — node mode — or one
 * per workload with {@code --sidecars}), and the apps DIR says how to run ({@code App}), waits
 * until each is ready, prints what runs where and streams every log with its name in front. On
 * Ctrl-C or SIGTERM it stops the apps, drains the proxies and stops the control plane — only the
 * processes it started.
 */
@Command(name = "up", description = {"Run a mesh from a directory: control plane, proxies and apps, in one command.",
                "A workload is meshed when an App names it or a Sidecar selects it; other WorkloadEntries",
                "are reached at their address, unmeshed (legacy systems). Ctrl-C stops everything it started."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:stopped", "1:the configuration has errors, or something could not start", "2:usage error"})
final class UpCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    StandardHelp standardHelp;


    @Parameters(arity = "1..*", paramLabel = "PATH", description = "Directories or files of Istio YAML and App resources.")
    List<String> paths;

    @Option(names = "--sidecars", description = "One proxy per meshed workload instead of one for the node.")
    boolean sidecars;

    @Option(names = "--sync-port", defaultValue = "15010", paramLabel = "PORT", description = "Control plane sync port. Default ${DEFAULT-VALUE}.")
    int syncPort;

    @Option(names = "--sync-tls-port", defaultValue = "15012", paramLabel = "PORT",
            description = "Control plane TLS sync port, where the proxies get their certificates with the bootstrap token. Default ${DEFAULT-VALUE}; any free port when --sync-port is 0.")
    int syncTlsPort;

    @Option(names = "--http-port", defaultValue = "15014", paramLabel = "PORT", description = "Control plane HTTP port (metrics, status, registry). Default ${DEFAULT-VALUE}.")
    int httpPort;

    @Option(names = "--admin-port", defaultValue = "15000", paramLabel = "PORT",
            description = "Admin port of the (first) proxy; with --sidecars the next ones count up from it. Default ${DEFAULT-VALUE}.")
    int adminPort;

    @Option(names = "--outbound-port", defaultValue = "15001", paramLabel = "PORT",
            description = "Outbound (HTTP_PROXY) port of the node proxy; -1: none. Default ${DEFAULT-VALUE}.")
    int outboundPort;

    @Option(names = "--ready-timeout", defaultValue = "60s", paramLabel = "DURATION", converter = ProxyCommand.DurationConverter.class,
            description = "How long to wait for proxies and apps to be ready. Default ${DEFAULT-VALUE}.")
    Duration readyTimeout;

    @Option(names = "--ca-dir", paramLabel = "DIR", description = "The certificate authority's directory (see ficus control --help). Default: ~/.local/state/ficus/ca.")
    Path caDir;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "Where rollouts keep their state, so that a restarted control plane resumes them mid-way. Default: ~/.local/state/ficus/rollouts.")
    java.nio.file.Path stateDir;

    @Option(names = "--trust-domain", defaultValue = "cluster.local", paramLabel = "DOMAIN", description = "SPIFFE trust domain. Default ${DEFAULT-VALUE}.")
    String trustDomain;

    @Option(names = "--access-log", paramLabel = "-|PATH",
            description = "Passed to every proxy (see ficus proxy --help): every request as a JSON line, to stdout (-) or appended to PATH.")
    String accessLog;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    private final Log log = new Log("up", System.err);

    /** {@code --sync-tls-port}, or any free port when only {@code --sync-port 0} was asked for (tests, several meshes on one host). */
    private int tlsPort() {
        boolean explicit = spec.commandLine().getParseResult() != null && spec.commandLine().getParseResult().hasMatchedOption("--sync-tls-port");
        return !explicit && syncPort == 0 ? 0 : syncTlsPort;
    }
    private final PrintStream out = System.out;
    private final List<Child> children = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<Child> proxyChildren = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** One proxy process to start: its name, workloads and ports. */
    private record ProxyPlan(String name, List<String> workloads, String namespace, int adminPort, int outboundPort) {
    }

    @Override
    public Integer call() throws Exception {
        ConfigLoader.Result loaded = Validator.loadAndValidate(paths, InputStream.nullInputStream());
        if (loaded.hasErrors()) {
            loaded.diagnostics().forEach(d -> System.err.println(d.format()));
            log.error("the configuration has errors; not starting");
            return 1;
        }
        ConfigSet config = Validator.effective(loaded.config());
        List<Resource<App>> apps = config.all(Kind.APP, App.class);
        List<Resource<WorkloadEntry>> meshed = meshedWorkloads(config, apps);

        ControlChild cp;
        try {
            cp = startControl(null);
        } catch (IllegalStateException e) {
            log.error(e.getMessage());
            return 1;
        }
        CountDownLatch stop = new CountDownLatch(1);
        Signals.onTermination(signal -> {
            log.info("stopping on SIG" + signal + ": apps, then proxies (draining), then the control plane");
            stop.countDown();
        });
        Thread hook = new Thread(this::stopAll, "ficus-up-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            List<ProxyPlan> plans = plan(meshed);
            Map<String, CompletableFuture<String>> proxyReady = new LinkedHashMap<>();
            for (ProxyPlan p : plans) proxyReady.put(p.name(), startProxy(p, cp));
            for (var e : proxyReady.entrySet()) {
                try {
                    e.getValue().get(readyTimeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.TimeoutException ex) {
                    log.error("proxy " + e.getKey() + " was not ready within " + readyTimeout.toSeconds() + "s; stopping");
                    return 1;
                }
            }
            Map<String, Long> appPids = new LinkedHashMap<>();
            for (Resource<App> a : apps) appPids.put(a.name(), startApp(a).pid());
            for (Resource<App> a : apps) {
                if (!awaitReady(a)) {
                    log.error("app " + a.name() + " was not ready within " + readyTimeout.toSeconds() + "s; stopping");
                    return 1;
                }
            }
            printTable(cp, config, plans, proxyReady, apps, appPids, meshed);
            stop.await();
            return 0;
        } finally {
            stopAll();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // already shutting down
            }
        }
    }

    /** Workloads named by an App or selected by a Sidecar (same namespace), in config order. */
    static List<Resource<WorkloadEntry>> meshedWorkloads(ConfigSet config, List<Resource<App>> apps) {
        Set<String> byApp = new LinkedHashSet<>();
        for (Resource<App> a : apps) byApp.add(a.namespace() + "/" + a.spec().workload());
        List<Resource<Sidecar>> sidecars = config.all(Kind.SIDECAR, Sidecar.class);
        List<Resource<WorkloadEntry>> out = new ArrayList<>();
        for (Resource<WorkloadEntry> w : config.all(Kind.WORKLOAD_ENTRY, WorkloadEntry.class)) {
            boolean selected = sidecars.stream().anyMatch(s -> s.namespace().equals(w.namespace())
                    && s.spec().workloadSelector() != null && s.spec().workloadSelector().matches(w.spec().labels()));
            if (byApp.contains(w.namespace() + "/" + w.name()) || selected) out.add(w);
        }
        return out;
    }

    private List<ProxyPlan> plan(List<Resource<WorkloadEntry>> meshed) {
        List<ProxyPlan> plans = new ArrayList<>();
        if (meshed.isEmpty()) return plans;
        if (sidecars) {
            int admin = adminPort;
            for (Resource<WorkloadEntry> w : meshed) {
                plans.add(new ProxyPlan(w.name() + "-proxy", List.of(w.name()), w.namespace(), admin <= 0 ? admin : admin++,
                        plans.isEmpty() ? outboundPort : -1));
            }
            return plans;
        }
        Set<String> namespaces = new LinkedHashSet<>();
        meshed.forEach(w -> namespaces.add(w.namespace()));
        String ns = namespaces.size() == 1 ? namespaces.iterator().next() : null;
        plans.add(new ProxyPlan("proxy", meshed.stream().map(Resource::name).toList(), ns, adminPort, outboundPort));
        return plans;
    }

    private static final Pattern ADMIN = Pattern.compile("admin on (http://\\S+?)(;|$)");

    /** Starts a proxy; completes with its admin URL once it logged its ready line. */
    private CompletableFuture<String> startProxy(ProxyPlan p, ControlChild cp) throws IOException {
        List<String> cmd = new ArrayList<>(ficusCommand());
        // the TLS sync port when there is one: the proxy checks it against the mesh root and enrols with the token
        boolean tls = cp.syncTlsPort() >= 0;
        cmd.addAll(List.of("proxy", "--control", "127.0.0.1:" + (tls ? cp.syncTlsPort() : cp.syncPort())));
        if (tls) {
            cmd.addAll(List.of("--bootstrap-token-file", cp.bootstrapTokenFile().toAbsolutePath().toString(),
                    "--ca-root", caDirectory().resolve(dev.ficus.control.ca.CertificateAuthority.ROOT_CERT).toAbsolutePath().toString()));
        }
        cmd.addAll(List.of("--workload", String.join(",", p.workloads()),
                "--admin-port", Integer.toString(p.adminPort()), "--outbound-port", Integer.toString(p.outboundPort())));
        if (p.namespace() != null) cmd.addAll(List.of("--namespace", p.namespace()));
        if (accessLog != null) cmd.addAll(List.of("--access-log", accessLog.equals("-") ? "-" : Path.of(accessLog).toAbsolutePath().toString()));
        CompletableFuture<String> ready = new CompletableFuture<>();
        // the proxy drains and exits if this process dies without stopping it (SIGKILL)
        Child c = Child.start(p.name(), cmd, null, Map.of(ProxyCommand.PARENT_PID_ENV, Long.toString(ProcessHandle.current().pid())), out, line -> {
            if (line.contains(" ready: ")) {
                Matcher m = ADMIN.matcher(line);
                ready.complete(m.find() ? m.group(1) : "");
            }
        });
        proxyChildren.add(c);
        c.process().onExit().thenRun(() -> ready.completeExceptionally(new IllegalStateException("proxy " + p.name() + " exited")));
        return ready;
    }

    /** How to run {@code ficus} again: the launcher when ficus was started by it, else this JVM. */
    private static List<String> ficusCommand() {
        String launcher = System.getenv("FICUS_LAUNCHER");
        if (launcher != null && Path.of(launcher).toFile().canExecute()) return List.of(launcher);
        return List.of(javaPath(), "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-Xmx64m",
                "-cp", System.getProperty("java.class.path"), Main.class.getName());
    }

    private static String javaPath() {
        return ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    private Child startApp(Resource<App> a) throws IOException {
        App spec = a.spec();
        List<String> cmd = spec.command().stream().map(s -> s.replace(App.FICUS_JAVA, javaPath())).toList();
        Path base = Path.of(a.origin().file()).toAbsolutePath().getParent();
        Path dir = spec.workingDir() == null ? base : base.resolve(spec.workingDir());
        Child c = Child.start(a.name(), cmd, dir, spec.env() == null ? Map.of() : spec.env(), out, line -> { });
        children.add(c);
        c.process().onExit().thenAccept(p -> {
            if (!stopping) log.warn("app " + a.name() + " exited with code " + p.exitValue());
        });
        return c;
    }

    private volatile boolean stopping;

    /** Polls the app's readiness probe (or its port) until it answers, within the ready timeout. */
    private boolean awaitReady(Resource<App> a) throws InterruptedException {
        App spec = a.spec();
        ReadinessProbe probe = spec.readinessProbe();
        Integer port = spec.probePort() != null ? spec.probePort() : spec.port();
        if (port == null) return true;
        long deadline = System.nanoTime() + readyTimeout.toNanos();
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build()) {
            while (System.nanoTime() < deadline) {
                if (probe != null && probe.httpGet() != null) {
                    try {
                        int code = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + probe.httpGet().pathOrDefault()))
                                .timeout(Duration.ofSeconds(probe.timeoutSecondsOrDefault())).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
                        if (code >= 200 && code < 400) return true;
                    } catch (IOException e) {
                        // not listening yet
                    }
                } else {
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                        return true;
                    } catch (IOException e) {
                        // not listening yet
                    }
                }
                if (children.stream().anyMatch(c -> c.name().equals(a.name()) && !c.alive())) return false;
                Thread.sleep(100); // a bounded poll of a process we started, not a test wait
            }
        }
        return false;
    }

    private void printTable(ControlChild cp, ConfigSet config, List<ProxyPlan> plans, Map<String, CompletableFuture<String>> admin,
                            List<Resource<App>> apps, Map<String, Long> pids, List<Resource<WorkloadEntry>> meshed) {
        StringBuilder b = new StringBuilder("\nficus up: " + String.join(" ", paths) + " — " + config.size() + " resources\n");
        b.append(String.format("  %-22s %s%n", "control plane", "pid " + cp.child().pid() + "   sync 127.0.0.1:" + cp.syncPort()
                + (cp.syncTlsPort() >= 0 ? "   sync (TLS) 127.0.0.1:" + cp.syncTlsPort() : "") + "   status http://127.0.0.1:" + cp.httpPort()
                + "/v1/status   metrics http://127.0.0.1:" + cp.httpPort() + "/metrics"));
        for (ProxyPlan p : plans) {
            b.append(String.format("  %-22s %s%n", "proxy " + p.name(), "admin " + admin.get(p.name()).getNow("?")
                    + (p.outboundPort() > 0 ? "   outbound/HTTP_PROXY http://127.0.0.1:" + p.outboundPort() : "")
                    + "   workloads " + String.join(", ", p.workloads())));
        }
        for (Resource<App> a : apps) {
            b.append(String.format("  %-22s %s%n", "app " + a.name(), "pid " + pids.get(a.name())
                    + (a.spec().port() != null ? "   http://127.0.0.1:" + a.spec().port() : "") + "   workload " + a.spec().workload()));
        }
        Set<String> meshedNames = new LinkedHashSet<>();
        meshed.forEach(w -> meshedNames.add(w.namespace() + "/" + w.name()));
        for (Resource<WorkloadEntry> w : config.all(Kind.WORKLOAD_ENTRY, WorkloadEntry.class)) {
            if (meshedNames.contains(w.namespace() + "/" + w.name())) continue;
            b.append(String.format("  %-22s %s%n", "unmeshed " + w.name(), w.spec().address() + " " + w.spec().ports() + " (reached in plaintext)"));
        }
        b.append("Edit the YAML under ").append(String.join(" ", paths)).append(" and proxies pick it up within a second; Ctrl-C stops everything.\n");
        synchronized (out) {
            out.print(b);
            out.flush();
        }
    }

    private void stopAll() {
        if (stopping) return;
        stopping = true;
        try {
            for (Child c : children) c.stop(Duration.ofSeconds(10));
            for (Child c : proxyChildren) c.stop(Duration.ofSeconds(35));
            ControlChild cp = control;
            if (cp != null) cp.child().stop(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            children.forEach(c -> c.process().destroyForcibly());
            proxyChildren.forEach(c -> c.process().destroyForcibly());
            ControlChild cp = control;
            if (cp != null) cp.child().process().destroyForcibly();
        }
    }

    private Path caDirectory() {
        return caDir != null ? caDir : dev.ficus.control.ca.CertificateAuthority.defaultDirectory();
    }

    /** The control plane's process and where it listens, read from its ready line. */
    private record ControlChild(Child child, int syncPort, int syncTlsPort, int httpPort, Path bootstrapTokenFile) {
    }

    /** The running control plane; replaced when it is restarted. */
    private volatile ControlChild control;

    /** Restarts since the control plane last ran for a minute (backoff); written by one restart at a time. */
    private volatile int restarts;

    private static final Pattern CONTROL_READY = Pattern.compile(
            " ready: .*?; sync on \\S+:(\\d+)(?:; TLS port \\S+:(\\d+) \\(token (.+?)\\))?(?:; http://\\S+:(\\d+) )?");

    /**
     * Starts {@code ficus control} as a child process and waits for its ready line. The control
     * plane runs in its own process so that killing it leaves the mesh serving: proxies keep their
     * last snapshot and reconnect when it is back. {@code previous} (a restart) pins the ports the
     * proxies already dial.
     */
    private ControlChild startControl(ControlChild previous) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(ficusCommand());
        cmd.add("control");
        for (String p : paths) cmd.addAll(List.of("--config", Path.of(p).toAbsolutePath().toString()));
        cmd.addAll(List.of("--address", "127.0.0.1",
                "--sync-port", Integer.toString(previous != null ? previous.syncPort() : syncPort),
                "--sync-tls-port", Integer.toString(previous != null ? previous.syncTlsPort() : tlsPort()),
                "--http-port", Integer.toString(previous != null ? previous.httpPort() : httpPort),
                "--ca-dir", caDirectory().toAbsolutePath().toString(),
                "--state-dir", (stateDir != null ? stateDir : dev.ficus.control.ca.CertificateAuthority.defaultDirectory().resolveSibling("rollouts")).toAbsolutePath().toString(),
                "--trust-domain", trustDomain));
        record Ports(int sync, int tls, int http, Path token) {
        }
        CompletableFuture<Ports> ready = new CompletableFuture<>();
        Child c = Child.start("control", cmd, null, Map.of(ProxyCommand.PARENT_PID_ENV, Long.toString(ProcessHandle.current().pid())), out, line -> {
            if (ready.isDone()) return;
            Matcher m = CONTROL_READY.matcher(line);
            if (m.find()) {
                ready.complete(new Ports(Integer.parseInt(m.group(1)), m.group(2) != null ? Integer.parseInt(m.group(2)) : -1,
                        m.group(4) != null ? Integer.parseInt(m.group(4)) : -1, m.group(3) != null ? Path.of(m.group(3)) : null));
            }
        });
        c.process().onExit().thenRun(() -> ready.completeExceptionally(
                new IllegalStateException("the control plane exited with code " + c.process().exitValue() + " before it was ready")));
        Ports ports;
        try {
            ports = ready.get(readyTimeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            c.stop(Duration.ofSeconds(5));
            throw new IllegalStateException(e.getCause().getMessage() + " (its lines above say why)");
        } catch (java.util.concurrent.TimeoutException e) {
            c.stop(Duration.ofSeconds(5));
            throw new IllegalStateException("the control plane was not ready within " + readyTimeout.toSeconds() + "s");
        }
        ControlChild cp = new ControlChild(c, ports.sync(), ports.tls(), ports.http(), ports.token());
        if (stopping) { // ficus up is stopping while this (re)start was under way
            c.stop(Duration.ofSeconds(10));
            throw new IllegalStateException("stopping");
        }
        control = cp;
        long started = System.nanoTime();
        c.process().onExit().thenRun(() -> {
            if (stopping) return;
            // a long healthy run forgets earlier restarts; a crash loop backs off up to 30 s
            if (System.nanoTime() - started > Duration.ofMinutes(1).toNanos()) restarts = 0;
            long backoff = Math.min(30_000, 500L << Math.min(restarts++, 6));
            log.warn("the control plane (pid " + c.pid() + ") exited with code " + c.process().exitValue()
                    + "; proxies keep serving their last config; restarting it in " + backoff + " ms");
            Thread.ofVirtual().name("ficus-up-control-restart").start(() -> restartControl(cp, backoff));
        });
        return cp;
    }

    private void restartControl(ControlChild previous, long backoffMillis) {
        try {
            Thread.sleep(backoffMillis); // restart backoff, not a test wait
            if (stopping) return;
            ControlChild cp = startControl(previous);
            log.info("control plane restarted (pid " + cp.child().pid() + "); proxies reconnect to it");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | IllegalStateException e) {
            if (stopping) return;
            long backoff = Math.min(30_000, 500L << Math.min(restarts++, 6));
            log.error("cannot restart the control plane: " + e.getMessage() + "; trying again in " + backoff + " ms");
            Thread.ofVirtual().name("ficus-up-control-restart").start(() -> restartControl(previous, backoff));
        }
    }
}
