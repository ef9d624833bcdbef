package dev.ficus.xds.sync;

import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509ExtendedKeyManager;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * How a proxy reaches the control plane: in plaintext (the sync port, 15010) or over TLS (the TLS
 * sync port, 15012). Over TLS the control plane's certificate must chain to the mesh roots the
 * proxy was given and name the host it dialled (a DNS or IP SAN); the proxy presents its workload
 * certificate whenever it holds one (renewals and the sync stream are authenticated by it) and the
 * bootstrap token, in {@code authorization: Bearer} metadata, only on the calls that ask for it
 * ({@link #withToken}): the first certificate request, or a node whose workloads have several
 * identities.
 *
 * <p>The JDK's TLS provider is used here, not BoringSSL: the client certificate is read from a
 * {@link Supplier} at each handshake, so a renewed certificate needs no new channel. These are a
 * handful of long-lived connections; the data plane's TLS is elsewhere.
 */
public final class ControlChannel {

    /** Where the bootstrap token travels, as Istio's agent sends its token to istiod. */
    public static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    public static final String BEARER = "Bearer ";

    /** A client certificate (leaf first) and its key. */
    public record ClientKey(PrivateKey key, List<X509Certificate> chain) {
        public ClientKey {
            Objects.requireNonNull(key, "key");
            chain = List.copyOf(chain);
            if (chain.isEmpty()) throw new IllegalArgumentException("empty certificate chain");
        }
    }

    /**
     * TLS to the control plane: the roots its certificate must chain to, and the bootstrap token
     * (null when the proxy has none: it can then only renew with a certificate it already holds).
     */
    public record Tls(List<X509Certificate> roots, String bootstrapToken) {
        public Tls {
            roots = List.copyOf(roots);
            if (roots.isEmpty()) throw new IllegalArgumentException("TLS to the control plane needs the mesh root certificate");
            if (bootstrapToken != null && bootstrapToken.isBlank()) bootstrapToken = null;
        }
    }

    private ControlChannel() {
    }

    /**
     * A channel to {@code host:port}; {@code tls} null: plaintext. {@code key} is asked at each TLS
     * handshake for the certificate to present (null: none); it is called on a gRPC transport thread.
     */
    public static ManagedChannel open(String host, int port, Tls tls, Supplier<ClientKey> key, int maxInboundBytes, boolean keepAlive) {
        NettyChannelBuilder b = NettyChannelBuilder.forAddress(host, port).maxInboundMessageSize(maxInboundBytes);
        if (tls == null) b.usePlaintext();
        else b.sslContext(clientContext(tls, key));
        if (keepAlive) b.keepAliveTime(10, TimeUnit.SECONDS).keepAliveTimeout(5, TimeUnit.SECONDS).keepAliveWithoutCalls(true);
        return b.build();
    }

    /** {@code channel} with the bootstrap token added to every call made through it. */
    public static Channel withToken(Channel channel, String token) {
        Metadata m = new Metadata();
        m.put(AUTHORIZATION, BEARER + token);
        return ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(m));
    }

    /** The token of an {@code authorization: Bearer} header, or null. */
    public static String bearer(Metadata headers) {
        String v = headers.get(AUTHORIZATION);
        return v != null && v.regionMatches(true, 0, BEARER, 0, BEARER.length()) ? v.substring(BEARER.length()).trim() : null;
    }

    private static SslContext clientContext(Tls tls, Supplier<ClientKey> key) {
        try {
            SslContextBuilder b = SslContextBuilder.forClient().trustManager(tls.roots().toArray(X509Certificate[]::new));
            if (key != null) b.keyManager(new CurrentKey(key));
            return GrpcSslContexts.configure(b, SslProvider.JDK).protocols("TLSv1.3").build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot set up TLS to the control plane: " + e.getMessage(), e);
        }
    }

    /** Presents whatever certificate the supplier holds at handshake time (none when it holds none). */
    private static final class CurrentKey extends X509ExtendedKeyManager {
        private static final String ALIAS = "workload";
        private final Supplier<ClientKey> key;

        CurrentKey(Supplier<ClientKey> key) { this.key = key; }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            return key.get() == null ? null : ALIAS;
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return key.get() == null ? null : ALIAS;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            ClientKey k = key.get();
            return k == null ? null : k.chain().toArray(X509Certificate[]::new);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            ClientKey k = key.get();
            return k == null ? null : k.key();
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return key.get() == null ? null : new String[]{ALIAS};
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) { return null; }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) { return null; }
    }
}
