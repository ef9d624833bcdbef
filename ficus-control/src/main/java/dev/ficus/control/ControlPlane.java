package dev.ficus.control;

import dev.ficus.api.Kind;
import dev.ficus.api.Resource;
import dev.ficus.api.config.ConfigLoader;
import dev.ficus.api.config.ConfigSet;
import dev.ficus.api.config.ConfigWatcher;
import dev.ficus.api.config.Diagnostic;
import dev.ficus.api.networking.WorkloadEntry;
import dev.ficus.api.validate.Validator;
import dev.ficus.control.assess.AssessApi;
import dev.ficus.control.ca.CertificateAuthority;
import dev.ficus.control.ca.CertificateServiceImpl;
import dev.ficus.control.graph.MeshScraper;
import dev.ficus.control.graph.ScrapeConfig;
import dev.ficus.control.graph.ServiceGraph;
import dev.ficus.control.registry.HealthChecker;
import dev.ficus.control.registry.RegistryApi;
import dev.ficus.control.registry.WorkloadRegistry;
import dev.ficus.control.rollout.RolloutApi;
import dev.ficus.control.rollout.RolloutController;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.sync.Node;
import dev.ficus.xds.sync.SyncServer;
import dev.ficus.xds.translate.ProxyIdentity;
import dev.ficus.xds.translate.TranslateOptions;
import dev.ficus.xds.translate.Translation;
import dev.ficus.xds.translate.TranslationCache;
import dev.ficus.xds.translate.Translator;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code ficus control}: the configuration store (a watched directory of Istio YAML, validated as
 * {@code ficus validate} does; a bad change is refused and the last good config keeps serving),
 * the registry (WorkloadEntries from YAML plus workloads registered over REST), translation to one
 * snapshot per proxy, and the sync server that pushes it; beside them, the reader of the proxies'
 * metrics that answers the service graph.
 */
public final class ControlPlane implements AutoCloseable {

    /** Where the control plane writes its one-line log. */
    public interface Logger {
        void info(String message);
        void warn(String message);
        void error(String message);
    }

    /** The configuration given at start has errors: nothing was started. */
    public static final class ConfigException extends Exception {
        private final transient List<Diagnostic> diagnostics;

        ConfigException(List<Diagnostic> diagnostics) {
            super(diagnostics.stream().filter(Diagnostic::isError).count() + " error(s) in the configuration");
            this.diagnostics = List.copyOf(diagnostics);
        }

        public List<Diagnostic> diagnostics() { return diagnostics; }
    }

    /** The configuration in service: what the files say, and the registry merged in. */
    private record Generation(long number, ConfigSet files, ConfigSet base, ConfigSet combined) {
    }

    private final Builder cfg;
    private final Logger log;
    private final ControlMetrics metrics = new ControlMetrics();
    private final Validator.Cache parseCache = new Validator.Cache(); // start(), then the watch thread under reload()'s lock
    private final Map<String, ProxySnapshot> cache = new HashMap<>(); // push thread only
    private final TranslationCache translations = new TranslationCache(); // services' translations, reused across identities and generations
    private volatile Generation generation;
    private long cacheGeneration = -1; // push thread only
    private SyncServer sync;
    private CertificateAuthority ca;
    private CertificateServiceImpl certificates;
    private dev.ficus.control.ca.BootstrapToken bootstrapToken;
    private dev.ficus.control.ca.SyncTlsCertificate syncCertificate;
    private HealthChecker health;
    private WorkloadRegistry registry;
    private ControlHttpServer http;
    private ConfigWatcher watcher;
    private MeshScraper scraper;
    private dev.ficus.control.parallelrun.ParallelRunReader parallelRuns;
    private RolloutController rollouts;

    private ControlPlane(Builder b) {
        this.cfg = b;
        this.log = b.log;
    }

    public static Builder builder() { return new Builder(); }

    /**
     * Loads and validates the config, opens the certificate authority, then starts the sync server
     * (with the CA's service beside it), the HTTP API and the watch.
     */
    public ControlPlane start() throws ConfigException, IOException, InterruptedException {
        ConfigLoader.Result loaded = Validator.loadAndValidate(cfg.config, InputStream.nullInputStream(), parseCache);
        if (loaded.hasErrors()) throw new ConfigException(loaded.diagnostics());
        loaded.diagnostics().forEach(d -> log.warn(d.format()));
        ConfigSet files = Validator.effective(loaded.config());
        health = new HealthChecker();
        registry = new WorkloadRegistry(InstantSource.system(), health, cfg.sweepInterval);
        rollouts = new RolloutController(new RolloutHost(), cfg.stateDirectory, InstantSource.system());
        generation = generation(1, files);
        metrics.configLoaded(generation.combined());
        if (cfg.caDirectory != null) {
            ca = CertificateAuthority.builder().directory(cfg.caDirectory).trustDomain(cfg.trustDomain).open();
            bootstrapToken = cfg.bootstrapTokenFile != null ? dev.ficus.control.ca.BootstrapToken.open(cfg.bootstrapTokenFile)
                    : dev.ficus.control.ca.BootstrapToken.openOrCreate(ca.directory().resolve(dev.ficus.control.ca.BootstrapToken.FILE_NAME));
            certificates = new CertificateServiceImpl(ca, this::identityOf, log::info,
                    new CertificateServiceImpl.Access(bootstrapToken, cfg.insecurePlaintextCa));
            log.info("certificate authority: " + ca.kind().name().toLowerCase(java.util.Locale.ROOT) + " in " + ca.directory()
                    + ", trust domain " + ca.trustDomain() + ", certificates up to " + ca.maxTtl().toHours() + "h");
            if (cfg.syncTlsPort >= 0) {
                syncCertificate = dev.ficus.control.ca.SyncTlsCertificate.issue(ca, cfg.syncHost, cfg.syncTlsHosts, log::info);
                log.info("TLS sync port: certificate " + syncCertificate.identity().uri() + " for " + String.join(", ", syncCertificate.hosts())
                        + "; first certificates need the bootstrap token in " + bootstrapToken.file());
            }
            if (cfg.insecurePlaintextCa) log.warn("the plaintext sync port signs certificates (--insecure-plaintext-ca): anyone who reaches it can claim any workload");
        }
        metrics.certificates(this::certificatesIssued, this::certificatesRefused);
        scraper = MeshScraper.start(cfg.scrape);
        parallelRuns = dev.ficus.control.parallelrun.ParallelRunReader.start(() -> dev.ficus.control.parallelrun.ParallelRunReader.admins(proxies()));
        SyncServer.Builder sb = SyncServer.builder();
        if (certificates != null) sb.service(certificates.bindService());
        if (syncCertificate != null) sb.tls(cfg.syncHost, cfg.syncTlsPort, syncCertificate.serverContext()).authorizer(this::authorizeSync);
        sync = sb
                .host(cfg.syncHost).port(cfg.syncPort)
                .source(new SyncServer.SnapshotSource() {
                    @Override public ProxySnapshot snapshotFor(Node node) { return ControlPlane.this.snapshotFor(node); }
                    @Override public void prepare(List<Node> nodes) { ControlPlane.this.prepare(nodes); }
                })
                .events(new SyncEvents())
                .debounce(cfg.debounce, cfg.debounce.multipliedBy(10))
                .start();
        registry.addListener(this::registryChanged);
        if (cfg.httpPort >= 0) {
            RegistryApi api = new RegistryApi(registry);
            Map<String, ControlHttpServer.Route> routes = new HashMap<>(cfg.extraRoutes);
            routes.put(RegistryApi.PREFIX, api::handle);
            Map<String, ControlHttpServer.AsyncRoute> async = new HashMap<>();
            async.put(AssessApi.PATH, new AssessApi(this));
            async.put(RolloutApi.PREFIX, new RolloutApi(rollouts)::handle);
            http = new ControlHttpServer(cfg.httpHost, cfg.httpPort, this, routes, async);
            http.start();
        }
        if (cfg.watchInterval != null) watcher = new ConfigWatcher(cfg.config, cfg.watchInterval.toMillis(), this::reload);
        return this;
    }

    public int syncPort() { return sync.port(); }

    /** The TLS sync port, or -1 when there is none (no CA, or turned off). */
    public int syncTlsPort() { return sync.tlsPort(); }

    /** Where the bootstrap token is kept; null without a CA. */
    public java.nio.file.Path bootstrapTokenFile() { return bootstrapToken == null ? null : bootstrapToken.file(); }

    public int httpPort() { return http == null ? -1 : http.port(); }

    public ControlMetrics metrics() { return metrics; }

    /** The proxies connected now. */
    public List<SyncServer.ProxyStatus> proxies() { return sync.status(); }

    /** The configuration in service, with registered workloads merged in. */
    public ConfigSet config() { return generation.combined(); }

    /**
     * Who calls whom over the last {@code window} (at most {@link #graphRetention()}), from the
     * connected proxies' metrics, scraped afresh. Never blocks: any thread may ask.
     */
    public java.util.concurrent.CompletableFuture<ServiceGraph> graph(Duration window) { return scraper.graph(window); }

    /** What the connected proxies compared for a parallel run (a Rollout's), read afresh at each report. */
    public dev.ficus.control.parallelrun.ParallelRunReader parallelRuns() { return parallelRuns; }

    /** The longest window a graph can cover: the history kept of each proxy. */
    public Duration graphRetention() { return cfg.scrape.retain(); }

    /**
     * Re-reads and validates the files; swaps the result in and pushes only when it is free of
     * errors. Returns the diagnostics of a refused change (empty when applied or unchanged).
     */
    public synchronized List<Diagnostic> reload() {
        ConfigLoader.Result loaded = Validator.loadAndValidate(cfg.config, InputStream.nullInputStream(), parseCache);
        if (loaded.hasErrors()) {
            List<Diagnostic> errors = loaded.diagnostics().stream().filter(Diagnostic::isError).toList();
            errors.forEach(d -> log.error(d.format()));
            log.error("config change refused; proxies keep the last good config");
            metrics.configRefused();
            return errors;
        }
        ConfigSet files = Validator.effective(loaded.config());
        Generation g = generation;
        generation = generation(g.number() + 1, files);
        metrics.configLoaded(generation.combined());
        log.info("config change accepted (" + files.size() + " resources); pushing");
        sync.push();
        return List.of();
    }

    /** The registry changed (a workload registered, expired or changed health): re-merge and push. */
    public synchronized void registryChanged() {
        Generation g = generation;
        generation = generation(g.number() + 1, g.files());
        metrics.configLoaded(generation.combined());
        sync.push();
    }

    /** A rollout moved traffic: overlay the rollouts' routes afresh and push. */
    private synchronized void rolloutsChanged() {
        Generation g = generation;
        generation = new Generation(g.number() + 1, g.files(), g.base(), rollouts.overlay(g.base()));
        metrics.configLoaded(generation.combined());
        if (sync != null) sync.push();
    }

    /**
     * A new generation: the files' config with the registered workloads (healthy, unexpired)
     * merged in (a file's entry wins a name clash), then the rollouts' routes overlaid; the
     * rollouts are told of the change.
     */
    private Generation generation(long number, ConfigSet files) {
        ConfigSet base = registry.mergeInto(files);
        rollouts.reconcile(base);
        return new Generation(number, files, base, rollouts.overlay(base));
    }

    /** The rollouts' states, by {@code namespace/name}. */
    public RolloutController rollouts() { return rollouts; }

    private final class RolloutHost implements RolloutController.Host {
        @Override public void routesChanged() { rolloutsChanged(); }

        @Override public java.util.concurrent.CompletableFuture<ServiceGraph> graph(Duration window) {
            MeshScraper s = scraper;
            if (s == null) return java.util.concurrent.CompletableFuture.failedFuture(new IllegalStateException("the control plane is starting"));
            return s.graph(window.compareTo(cfg.scrape.retain()) > 0 ? cfg.scrape.retain() : window);
        }

        @Override public java.util.concurrent.CompletableFuture<dev.ficus.control.parallelrun.ParallelRunReport> parallelRun(String namespace, String name) {
            var r = parallelRuns;
            if (r == null) return java.util.concurrent.CompletableFuture.failedFuture(new IllegalStateException("the control plane is starting"));
            return r.report(namespace, name);
        }

        @Override public void info(String m) { log.info(m); }

        @Override public void warn(String m) { log.warn(m); }
    }

    /**
     * Who a certificate request is for: the namespace and service account of the WorkloadEntry the
     * node names (or, for a node known by labels, the namespace's default account).
     */
    private java.util.Optional<CertificateServiceImpl.Identity> identityOf(Node node, String workload, String namespace) {
        String ns = namespace != null ? namespace : node.namespace();
        String name = workload != null && !workload.isEmpty() ? workload : node.workloads().isEmpty() ? null : node.workloads().getFirst();
        if (name == null) return java.util.Optional.of(new CertificateServiceImpl.Identity(ns == null ? "default" : ns, "default"));
        return generation.combined().all(Kind.WORKLOAD_ENTRY, WorkloadEntry.class).stream()
                .filter(w -> w.name().equals(name) && (ns == null || w.namespace().equals(ns)))
                .findFirst()
                .map(w -> new CertificateServiceImpl.Identity(w.namespace(),
                        w.spec().serviceAccount() == null || w.spec().serviceAccount().isEmpty() ? "default" : w.spec().serviceAccount()));
    }

    /**
     * Who may have a sync stream on the TLS port: a proxy whose client certificate is the identity
     * of every workload it names (a gateway known by labels: its namespace's default account), or
     * one that presents the bootstrap token (a node whose workloads have several identities: one
     * certificate cannot prove them all, and the token already let it enrol each of them). The
     * plaintext port serves anyone, as it always did.
     */
    private io.grpc.Status authorizeSync(Node node, SyncServer.Caller caller) {
        if (!caller.tls()) return io.grpc.Status.OK;
        if (caller.bearerToken() != null) {
            return bootstrapToken != null && bootstrapToken.matches(caller.bearerToken()) ? io.grpc.Status.OK
                    : io.grpc.Status.UNAUTHENTICATED.withDescription("the bootstrap token presented is not this control plane's");
        }
        if (caller.peerChain().isEmpty()) {
            return io.grpc.Status.UNAUTHENTICATED.withDescription("the TLS sync port serves a proxy that presents its workload certificate "
                    + "(or the bootstrap token); this one presented neither");
        }
        var certified = dev.ficus.xds.ca.WorkloadIdentity.spiffeId(caller.peerChain().getFirst());
        if (certified.isEmpty()) return io.grpc.Status.PERMISSION_DENIED.withDescription("the client certificate names no SPIFFE ID");
        List<String> names = node.workloads().isEmpty() ? java.util.Collections.singletonList(null) : node.workloads();
        for (String w : names) {
            var id = identityOf(node, w, node.namespace());
            String uri = id.map(i -> "spiffe://" + certified.get().trustDomain() + "/ns/" + i.namespace() + "/sa/" + i.serviceAccount()).orElse(null);
            if (!certified.get().uri().equals(uri)) {
                return io.grpc.Status.PERMISSION_DENIED.withDescription("the client certificate is " + certified.get().uri() + " but "
                        + (w == null ? "this proxy's identity" : "workload " + w) + " is " + (uri == null ? "unknown" : uri));
            }
        }
        return io.grpc.Status.OK;
    }

    /** The certificate authority, or null when this control plane runs without one. */
    public CertificateAuthority ca() { return ca; }

    /** Certificates issued and refused so far. */
    public long certificatesIssued() { return certificates == null ? 0 : certificates.issued(); }

    public long certificatesRefused() { return certificates == null ? 0 : certificates.refused(); }

    /** Workloads registered over REST ({@code /v1/workloads}). */
    public WorkloadRegistry registry() { return registry; }

    /**
     * Translates the distinct identities of a push round in parallel (one task per identity, on
     * the common pool): with many identities this is where a round spends its time.
     */
    private void prepare(List<Node> nodes) {
        Generation g = generation;
        if (g.number() != cacheGeneration) {
            cache.clear();
            cacheGeneration = g.number();
        }
        Map<String, Node> distinct = new java.util.LinkedHashMap<>();
        for (Node n : nodes) distinct.putIfAbsent(cacheKey(n), n);
        distinct.keySet().removeAll(cache.keySet());
        if (distinct.size() < 2) return;
        Map<String, ProxySnapshot> done = new java.util.concurrent.ConcurrentHashMap<>();
        distinct.entrySet().parallelStream().forEach(e -> {
            try {
                done.put(e.getKey(), translate(g, e.getValue()));
            } catch (RuntimeException ex) {
                // snapshotFor translates it again and reports the problem to that proxy
            }
        });
        cache.putAll(done);
    }

    private static String cacheKey(Node node) {
        return node.workloads() + "|" + node.namespace() + "|" + new java.util.TreeMap<>(node.labels()) + "|" + node.outboundPort();
    }

    /** Runs on the sync push thread: translations are cached per proxy identity and generation. */
    private ProxySnapshot snapshotFor(Node node) {
        Generation g = generation;
        if (g.number() != cacheGeneration) {
            cache.clear();
            cacheGeneration = g.number();
        }
        String key = cacheKey(node);
        ProxySnapshot cached = cache.get(key);
        if (cached != null) return cached;
        ProxySnapshot s = translate(g, node);
        cache.put(key, s);
        return s;
    }

    private ProxySnapshot translate(Generation g, Node node) {
        TranslateOptions options = node.outboundPort() == null ? cfg.translateOptions : cfg.translateOptions.withOutboundPort(node.outboundPort());
        List<ProxyIdentity> who = identities(g.combined(), node);
        List<Translation> translations = new ArrayList<>();
        for (int i = 0; i < who.size(); i++) {
            // In node mode one outbound listener serves every workload of the node: the first builds it.
            TranslateOptions o = i == 0 ? options : options.withOutboundPort(-1);
            translations.add(Translator.translate(g.combined(), who.get(i), o, this.translations));
        }
        return translations.size() == 1 ? translations.getFirst().snapshot() : NodeSnapshots.merge(translations);
    }

    private static List<ProxyIdentity> identities(ConfigSet config, Node node) {
        if (node.workloads().isEmpty()) {
            String ns = node.namespace() == null ? "default" : node.namespace();
            return List.of(new ProxyIdentity(node.labels().getOrDefault("app", "proxy"), ns, node.labels(), null));
        }
        List<ProxyIdentity> out = new ArrayList<>();
        List<Resource<WorkloadEntry>> all = config.all(Kind.WORKLOAD_ENTRY, WorkloadEntry.class);
        for (String name : node.workloads()) {
            List<Resource<WorkloadEntry>> matches = all.stream()
                    .filter(w -> w.name().equals(name) && (node.namespace() == null || w.namespace().equals(node.namespace())))
                    .toList();
            if (matches.isEmpty()) {
                throw new IllegalArgumentException("no WorkloadEntry named '" + name + "'"
                        + (node.namespace() == null ? "" : " in namespace " + node.namespace()) + " in the control plane's config");
            }
            if (matches.size() > 1) {
                throw new IllegalArgumentException("WorkloadEntry '" + name + "' exists in several namespaces ("
                        + String.join(", ", matches.stream().map(Resource::namespace).toList()) + "); the proxy must name one");
            }
            Resource<WorkloadEntry> w = matches.getFirst();
            out.add(new ProxyIdentity(w.name(), w.namespace(), w.spec().labels(), w.spec().serviceAccount()));
        }
        return out;
    }

    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    /** Stops everything; proxies keep serving what they have. Safe to call twice (a signal, then a shutdown hook). */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        if (watcher != null) watcher.close();
        if (http != null) http.close();
        if (sync != null) sync.close();
        if (syncCertificate != null) syncCertificate.close();
        if (registry != null) registry.close();
        if (health != null) health.close();
        if (scraper != null) scraper.close();
        if (parallelRuns != null) parallelRuns.close();
        if (rollouts != null) rollouts.close();
    }

    private final class SyncEvents implements SyncServer.Events {
        @Override public void connected(SyncServer.ProxyStatus s) {
            metrics.connected();
            scraper.connected(s.node(), s.peer());
            log.info("proxy " + s.node().describe() + " connected from " + s.peer());
        }

        @Override public void pushed(SyncServer.ProxyStatus s, int resources, int removed) {
            metrics.pushed(resources, removed);
        }

        @Override public void acked(SyncServer.ProxyStatus s, Duration sinceChange) {
            metrics.acked(sinceChange);
        }

        @Override public void nacked(SyncServer.ProxyStatus s, String error) {
            metrics.nacked();
            log.warn("proxy " + s.node().describe() + " refused version " + s.pendingVersion() + ": " + error);
        }

        @Override public void disconnected(SyncServer.ProxyStatus s) {
            metrics.disconnected();
            if (s.node() != null) scraper.disconnected(s.node().id());
            log.info("proxy " + (s.node() == null ? s.id() : s.node().describe()) + " disconnected");
        }
    }

    /** Settings; every port may be 0 (any free port). */
    public static final class Builder {
        private List<String> config = List.of();
        private String syncHost = "127.0.0.1";
        private int syncPort = 15010;
        private String httpHost = "127.0.0.1";
        private int httpPort = 15014;
        private Duration watchInterval = Duration.ofMillis(100);
        private Duration debounce = Duration.ofMillis(100);
        private TranslateOptions translateOptions = TranslateOptions.DEFAULTS;
        private Duration sweepInterval = Duration.ofSeconds(1);
        private java.nio.file.Path caDirectory;
        private java.nio.file.Path stateDirectory;
        private String trustDomain = "cluster.local";
        private int syncTlsPort = -1;
        private List<String> syncTlsHosts = List.of();
        private java.nio.file.Path bootstrapTokenFile;
        private boolean insecurePlaintextCa;
        private Map<String, ControlHttpServer.Route> extraRoutes = Map.of();
        private ScrapeConfig scrape = ScrapeConfig.DEFAULTS;
        private Logger log = new Logger() {
            @Override public void info(String m) {}
            @Override public void warn(String m) {}
            @Override public void error(String m) {}
        };

        public Builder config(List<String> paths) { this.config = List.copyOf(paths); return this; }
        public Builder sync(String host, int port) { this.syncHost = host; this.syncPort = port; return this; }
        /** The HTTP API and metrics; port -1: none. */
        public Builder http(String host, int port) { this.httpHost = host; this.httpPort = port; return this; }
        /** Poll interval of the config watch; null: no watch. */
        public Builder watchInterval(Duration d) { this.watchInterval = d; return this; }
        public Builder debounce(Duration d) { this.debounce = Objects.requireNonNull(d); return this; }
        public Builder translateOptions(TranslateOptions o) { this.translateOptions = Objects.requireNonNull(o); return this; }
        /** How often expired registrations are swept out (a lease ends within TTL + this). */
        public Builder sweepInterval(Duration d) { this.sweepInterval = Objects.requireNonNull(d); return this; }
        /** More HTTP routes by path prefix (the registry's REST API). */
        public Builder routes(Map<String, ControlHttpServer.Route> r) { this.extraRoutes = Map.copyOf(r); return this; }
        public Builder log(Logger l) { this.log = Objects.requireNonNull(l); return this; }
        /** How the proxies' metrics are read for the service graph (interval, timeout, concurrency, history). */
        public Builder scrape(ScrapeConfig c) { this.scrape = Objects.requireNonNull(c); return this; }

        /**
         * Run the certificate authority from {@code dir} (a root generated there on first start,
         * or the plug-in CA files found there); null: no CA, proxies get no mesh certificate.
         */
        public Builder ca(java.nio.file.Path dir, String trustDomain) {
            this.caDirectory = dir;
            this.trustDomain = Objects.requireNonNull(trustDomain);
            return this;
        }

        /**
         * The TLS sync port (on the sync host; 0: any free port, -1: none), served when there is a CA;
         * {@code hosts}: more DNS names or addresses proxies dial, put in its certificate.
         */
        public Builder syncTls(int port, List<String> hosts) {
            this.syncTlsPort = port;
            this.syncTlsHosts = List.copyOf(hosts);
            return this;
        }

        /** The bootstrap token the operator supplies; null: made on first start in the CA directory. */
        public Builder bootstrapTokenFile(java.nio.file.Path file) { this.bootstrapTokenFile = file; return this; }

        /** Sign certificates on the plaintext sync port too, trusting each proxy's claim of who it is: insecure. */
        public Builder insecurePlaintextCa(boolean on) { this.insecurePlaintextCa = on; return this; }

        /** Where rollouts keep their state, so that a restart resumes them; null: in memory only. */
        public Builder stateDirectory(java.nio.file.Path dir) { this.stateDirectory = dir; return this; }

        public ControlPlane build() { return new ControlPlane(this); }
    }
}
