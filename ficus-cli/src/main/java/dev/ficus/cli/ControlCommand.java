package dev.ficus.cli;

import dev.ficus.control.ControlPlane;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ficus control --config DIR}: the control plane. Watches the config (a bad change is
 * refused with file:line and the last good config keeps serving), keeps the registry, and pushes
 * one snapshot per proxy over the sync stream. SIGTERM stops it; proxies keep serving what they
 * have until it returns.
 */
@Command(name = "control", description = {"Run the ficus control plane on a directory of Istio YAML.",
                "Proxies connect with: ficus proxy --control 127.0.0.1:15012 --bootstrap-token-file CA_DIR/bootstrap-token --workload NAME"},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:stopped", "1:the configuration has errors, or a port could not bind", "2:usage error"})
final class ControlCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    StandardHelp standardHelp;


    @Option(names = "--config", required = true, split = ",", paramLabel = "PATH",
            description = "Istio YAML files or directories (watched for changes).")
    List<String> config;

    @Option(names = "--address", defaultValue = "127.0.0.1", paramLabel = "ADDR",
            description = "Address of the sync and HTTP ports. Default ${DEFAULT-VALUE}.")
    String address;

    @Option(names = "--sync-port", defaultValue = "15010", paramLabel = "PORT",
            description = "Port proxies connect to (0: any free port). Default ${DEFAULT-VALUE}.")
    int syncPort;

    @Option(names = "--sync-tls-port", defaultValue = "15012", paramLabel = "PORT",
            description = {"TLS sync port: proxies verify it against the mesh root; a first certificate needs the bootstrap token,",
                    "renewals and the sync stream the proxy's certificate (0: any free port; -1: none). Default ${DEFAULT-VALUE};",
                    "any free port when --sync-port is 0."})
    int syncTlsPort;

    @Option(names = "--sync-host", split = ",", paramLabel = "NAME",
            description = "More DNS names or addresses proxies dial to reach the TLS sync port (put in its certificate beside localhost and --address).")
    List<String> syncHosts = List.of();

    @Option(names = "--bootstrap-token-file", paramLabel = "FILE",
            description = "The bootstrap token proxies present for their first certificate. Default: made on first start (0600) as bootstrap-token in the CA directory.")
    java.nio.file.Path bootstrapTokenFile;

    @Option(names = "--insecure-plaintext-ca",
            description = "Also sign certificates on the plaintext sync port, trusting each proxy's claim of which workload it is (insecure: tests, closed networks).")
    boolean insecurePlaintextCa;

    @Option(names = "--http-port", defaultValue = "15014", paramLabel = "PORT",
            description = "Metrics, status and the registry's REST API (0: any free port; -1: none). Default ${DEFAULT-VALUE}.")
    int httpPort;

    @Option(names = "--watch-interval", defaultValue = "100ms", paramLabel = "DURATION", converter = ProxyCommand.DurationConverter.class, hidden = true)
    Duration watchInterval;

    @Option(names = "--debounce", defaultValue = "100ms", paramLabel = "DURATION", converter = ProxyCommand.DurationConverter.class,
            description = "Quiet time that makes a change the first of a burst (pushed at once) and ends a burst (the rest pushed together). Default ${DEFAULT-VALUE}.")
    Duration debounce;

    @Option(names = "--ca-dir", paramLabel = "DIR",
            description = "The certificate authority's directory: a root is generated there on first start, or your own CA's files are used "
                    + "(ca-cert.pem, ca-key.pem, root-cert.pem, cert-chain.pem). Default: ~/.local/state/ficus/ca.")
    java.nio.file.Path caDir;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "Where rollouts keep their state, so that a restarted control plane resumes them mid-way. Default: ~/.local/state/ficus/rollouts.")
    java.nio.file.Path stateDir;

    @Option(names = "--no-ca", description = "Run without a certificate authority (no mesh mTLS).")
    boolean noCa;

    @Option(names = "--trust-domain", defaultValue = "cluster.local", paramLabel = "DOMAIN",
            description = "The SPIFFE trust domain of issued certificates. Default ${DEFAULT-VALUE}.")
    String trustDomain;

    @Option(names = "--scrape-interval", defaultValue = "15s", paramLabel = "DURATION", converter = ProxyCommand.DurationConverter.class,
            description = "How often the proxies' metrics are read for the service graph (ficus graph also reads them on demand). Default ${DEFAULT-VALUE}.")
    Duration scrapeInterval;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    private final Log log = new Log("control", System.err);

    /** {@code --sync-tls-port}, or any free port when only {@code --sync-port 0} was asked for (tests, several meshes on one host). */
    private int tlsPort() {
        boolean explicit = spec.commandLine().getParseResult() != null && spec.commandLine().getParseResult().hasMatchedOption("--sync-tls-port");
        return !explicit && syncPort == 0 ? 0 : syncTlsPort;
    }

    @Override
    public Integer call() throws Exception {
        if (scrapeInterval.isZero() || scrapeInterval.isNegative()) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--scrape-interval must be positive");
        }
        ControlPlane cp = ControlPlane.builder()
                .config(config)
                .sync(address, syncPort)
                .syncTls(tlsPort(), syncHosts)
                .bootstrapTokenFile(bootstrapTokenFile)
                .insecurePlaintextCa(insecurePlaintextCa)
                .http(address, httpPort)
                .watchInterval(watchInterval)
                .debounce(debounce)
                .scrape(dev.ficus.control.graph.ScrapeConfig.DEFAULTS.withInterval(scrapeInterval))
                .stateDirectory(stateDir != null ? stateDir : dev.ficus.control.ca.CertificateAuthority.defaultDirectory().resolveSibling("rollouts"))
                .ca(noCa ? null : caDir != null ? caDir : dev.ficus.control.ca.CertificateAuthority.defaultDirectory(), trustDomain)
                .log(new ControlPlane.Logger() {
                    @Override public void info(String m) { log.info(m); }
                    @Override public void warn(String m) { log.warn(m); }
                    @Override public void error(String m) { log.error(m); }
                })
                .build();
        try {
            cp.start();
        } catch (ControlPlane.ConfigException e) {
            e.diagnostics().forEach(d -> System.err.println(d.format()));
            log.error("the configuration has errors; not starting");
            return 1;
        } catch (Exception e) { // Netty rethrows bind failures (a checked IOException) undeclared
            cp.close();
            log.error("cannot start: " + e.getMessage() + (String.valueOf(e.getMessage()).contains("in use")
                    ? " (another process listens on the sync or HTTP port; see --sync-port, --http-port)" : ""));
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Signals.onTermination(signal -> {
            log.info("stopping on SIG" + signal + "; proxies keep serving their last config");
            stopped.countDown();
        });
        Runtime.getRuntime().addShutdownHook(new Thread(cp::close, "ficus-shutdown"));
        Child.onParentGone(log, "control plane", stopped::countDown);
        log.info("ready: " + cp.config().size() + " resources; sync on " + address + ":" + cp.syncPort()
                + (cp.syncTlsPort() >= 0 ? "; TLS port " + address + ":" + cp.syncTlsPort() + " (token " + cp.bootstrapTokenFile() + ")" : "")
                + (cp.httpPort() >= 0 ? "; http://" + address + ":" + cp.httpPort() + " (/metrics, /v1/status, /v1/graph, /v1/workloads)" : ""));
        stopped.await();
        cp.close();
        return 0;
    }

}
