package dev.ficus.cli;

import dev.ficus.api.SpiffeId;
import dev.ficus.control.ca.CertificateAuthority;
import dev.ficus.proxy.tls.HandshakeBench;
import dev.ficus.proxy.tls.MeshTls;
import dev.ficus.xds.ca.WorkloadIdentity;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code ficus bench handshakes}: mesh mTLS handshakes per second on this machine, full and
 * resumed, with the proxy's own TLS contexts and certificates from a CA made for the run (EC P-256,
 * as the control plane issues). See {@link HandshakeBench} for what one handshake includes.
 */
@Command(name = "handshakes", sortOptions = false,
        description = {"Measure mesh mTLS handshakes per second over loopback, full and resumed (TLS 1.3 session tickets),",
                "one event loop serving and one connecting, with the proxy's own TLS (BoringSSL when it loads)."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:measured", "1:handshakes failed", "2:usage error"})
final class BenchHandshakesCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    StandardHelp standardHelp;


    @Option(names = "--duration", paramLabel = "DURATION", defaultValue = "10s", converter = ProxyCommand.DurationConverter.class,
            description = "How long each kind is measured. Default: ${DEFAULT-VALUE}.")
    Duration duration;

    @Option(names = "--warmup", paramLabel = "DURATION", defaultValue = "3s", converter = ProxyCommand.DurationConverter.class,
            description = "Handshakes before each measurement, not counted (JIT, caches). Default: ${DEFAULT-VALUE}.")
    Duration warmup;

    @Option(names = "--concurrency", paramLabel = "N", defaultValue = "8", description = "Connections in flight at a time. Default: ${DEFAULT-VALUE}.")
    int concurrency;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (concurrency < 1 || duration.isZero() || duration.isNegative() || warmup.isNegative()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--concurrency must be at least 1 and --duration positive");
        }
        Path dir = Files.createTempDirectory("ficus-bench-tls");
        try {
            CertificateAuthority ca = CertificateAuthority.builder().directory(dir.resolve("ca")).open();
            MeshTls server = mesh(ca, "reviews");
            MeshTls client = mesh(ca, "web");
            out.printf("mesh mTLS handshakes: TLS 1.3, %s, EC P-256 certificates, 1 event loop each side, %d in flight, %ds each (after %ds warm-up)%n",
                    MeshTls.provider() == io.netty.handler.ssl.SslProvider.OPENSSL ? "BoringSSL" : "JDK TLS", concurrency, duration.toSeconds(), warmup.toSeconds());
            out.flush();
            HandshakeBench.Result full = HandshakeBench.run(server, client, false, concurrency, warmup, duration);
            print(out, "full", full);
            HandshakeBench.Result resumed = HandshakeBench.run(server, client, true, concurrency, warmup, duration);
            print(out, "resumed", resumed);
            out.printf("load average: %s%n", loadAverage());
            out.flush();
            return full.handshakes() > 0 && resumed.handshakes() > 0 ? 0 : 1;
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static MeshTls mesh(CertificateAuthority ca, String sa) throws Exception {
        KeyPair keys = WorkloadIdentity.generateKeyPair();
        SpiffeId id = new SpiffeId(ca.trustDomain(), "bench", sa);
        List<X509Certificate> chain = ca.sign(WorkloadIdentity.csrPem(keys, id), id, Duration.ofHours(1));
        MeshTls t = new MeshTls();
        t.update(new MeshTls.Credentials(keys.getPrivate(), chain, ca.trustBundle(), ca.trustDomain()));
        return t;
    }

    private static void print(PrintWriter out, String kind, HandshakeBench.Result r) {
        out.printf("  %-8s %8.0f handshakes/s  %8.0f per CPU-second (both ends)  %6.0f µs CPU each  (%d in %.1f s; %s%d failed)%n", kind,
                r.perSecond(), r.perCpuSecond(), r.handshakes() == 0 ? 0 : r.cpu().toNanos() / 1e3 / r.handshakes(), r.handshakes(),
                r.elapsed().toNanos() / 1e9, r.resumed() < 0 ? "" : r.resumed() + " resumed, ", r.failed());
        out.flush();
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }
}
