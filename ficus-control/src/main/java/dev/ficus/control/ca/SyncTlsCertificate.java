package dev.ficus.control.ca;

import dev.ficus.api.SpiffeId;
import dev.ficus.xds.ca.WorkloadIdentity;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509ExtendedKeyManager;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.security.KeyPair;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The control plane's own certificate on its TLS sync port (15012), issued by its CA to a key made
 * here: its SPIFFE ID ({@code spiffe://TD/ns/istio-system/sa/ficus-control}, as istiod's), the DNS
 * names proxies dial ({@code localhost} and the operator's {@code --sync-host} names) and the IP
 * addresses it listens on. It is renewed at half its lifetime on a daemon thread of its own;
 * handshakes read the current one, so a renewal needs no restart of the port.
 *
 * <p>The server asks for a client certificate but does not require one (a first request carries
 * the bootstrap token instead); a certificate that is presented must chain to the mesh's roots or
 * the handshake fails. JDK TLS: a handful of long-lived proxy connections, not the data plane.
 */
public final class SyncTlsCertificate implements AutoCloseable {
    public static final String NAMESPACE = "istio-system";
    public static final String SERVICE_ACCOUNT = "ficus-control";

    private record Current(PrivateKey key, X509Certificate[] chain, Instant notAfter) {
    }

    private final CertificateAuthority ca;
    private final SpiffeId identity;
    private final List<String> dnsNames;
    private final List<InetAddress> addresses;
    private final Consumer<String> log;
    private final ScheduledExecutorService renewer;
    private volatile Current current;

    private SyncTlsCertificate(CertificateAuthority ca, List<String> dnsNames, List<InetAddress> addresses, Consumer<String> log) {
        this.ca = ca;
        this.identity = new SpiffeId(ca.trustDomain(), NAMESPACE, SERVICE_ACCOUNT);
        this.dnsNames = List.copyOf(dnsNames);
        this.addresses = List.copyOf(addresses);
        this.log = log;
        this.renewer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ficus-sync-tls-renew");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Issues the first certificate for a port bound to {@code bindHost} and reached by
     * {@code hosts} (DNS names or addresses), and schedules its renewals.
     */
    public static SyncTlsCertificate issue(CertificateAuthority ca, String bindHost, List<String> hosts, Consumer<String> log) {
        Set<String> dns = new LinkedHashSet<>();
        dns.add("localhost");
        Set<InetAddress> ips = new LinkedHashSet<>();
        for (String h : concat(bindHost, hosts)) {
            InetAddress literal = literal(h);
            if (literal == null) dns.add(h);
            else if (literal.isAnyLocalAddress()) ips.addAll(localAddresses());
            else ips.add(literal);
        }
        ips.add(InetAddress.getLoopbackAddress());
        SyncTlsCertificate c = new SyncTlsCertificate(ca, new ArrayList<>(dns), new ArrayList<>(ips), log);
        c.renew();
        return c;
    }

    /** The SPIFFE ID in the certificate. */
    public SpiffeId identity() { return identity; }

    /** The certificate in force (leaf first). */
    public List<X509Certificate> chain() { return List.of(current.chain()); }

    /** The DNS names and addresses the certificate carries, as text. */
    public List<String> hosts() {
        List<String> all = new ArrayList<>(dnsNames);
        for (InetAddress a : addresses) all.add(a.getHostAddress());
        return all;
    }

    /** The server context for gRPC on the TLS sync port. */
    public SslContext serverContext() {
        try {
            SslContextBuilder b = SslContextBuilder.forServer(new CurrentKey())
                    .trustManager(ca.trustBundle().toArray(X509Certificate[]::new))
                    .clientAuth(ClientAuth.OPTIONAL);
            return GrpcSslContexts.configure(b, SslProvider.JDK).protocols("TLSv1.3").build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot set up the TLS sync port: " + e.getMessage(), e);
        }
    }

    private void renew() {
        Duration ttl = ca.maxTtl();
        try {
            KeyPair keys = WorkloadIdentity.generateKeyPair();
            List<X509Certificate> chain = ca.issueServer(keys.getPublic(), identity, dnsNames, addresses, ttl);
            Instant notAfter = chain.getFirst().getNotAfter().toInstant();
            boolean first = current == null;
            current = new Current(keys.getPrivate(), chain.toArray(X509Certificate[]::new), notAfter);
            if (!first) log.accept("TLS sync port certificate renewed, valid until " + notAfter);
            schedule(Duration.between(Instant.now(), notAfter).dividedBy(2));
        } catch (RuntimeException e) {
            if (current == null) throw e; // at start: the port cannot open without one
            log.accept("cannot renew the TLS sync port certificate (" + e.getMessage() + "); retrying in a minute");
            schedule(Duration.ofMinutes(1));
        }
    }

    private void schedule(Duration delay) {
        try {
            renewer.schedule(this::renew, Math.max(1000, delay.toMillis()), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed
        }
    }

    @Override
    public void close() { renewer.shutdownNow(); }

    private static List<String> concat(String first, List<String> rest) {
        List<String> all = new ArrayList<>();
        if (first != null && !first.isBlank()) all.add(first);
        for (String h : rest) if (h != null && !h.isBlank()) all.add(h.trim());
        return all;
    }

    /** {@code h} as an address when it is an IP literal, else null (a DNS name; nothing is resolved). */
    private static InetAddress literal(String h) {
        String s = h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
        if (!s.matches("[0-9.]+") && !s.contains(":")) return null;
        try {
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static List<InetAddress> localAddresses() {
        List<InetAddress> out = new ArrayList<>();
        try {
            for (NetworkInterface n : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                for (InetAddress a : Collections.list(n.getInetAddresses())) if (!a.isLinkLocalAddress()) out.add(a);
            }
        } catch (SocketException e) {
            // loopback only
        }
        return out;
    }

    /** Serves whatever certificate is current at each handshake. */
    private final class CurrentKey extends X509ExtendedKeyManager {
        private static final String ALIAS = "ficus-control";

        @Override public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) { return matches(keyType) ? ALIAS : null; }
        @Override public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) { return matches(keyType) ? ALIAS : null; }
        @Override public X509Certificate[] getCertificateChain(String alias) { return current.chain().clone(); }
        @Override public PrivateKey getPrivateKey(String alias) { return current.key(); }
        @Override public String[] getServerAliases(String keyType, Principal[] issuers) { return matches(keyType) ? new String[]{ALIAS} : null; }
        @Override public String[] getClientAliases(String keyType, Principal[] issuers) { return null; }
        @Override public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) { return null; }

        private boolean matches(String keyType) {
            return keyType == null || keyType.equalsIgnoreCase(current.key().getAlgorithm()) || keyType.startsWith("EC") && current.key().getAlgorithm().equals("EC");
        }
    }
}
