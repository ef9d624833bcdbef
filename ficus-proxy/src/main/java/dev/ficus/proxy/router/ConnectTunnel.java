package dev.ficus.proxy.router;

import dev.ficus.proxy.cluster.ClusterRuntime;
import dev.ficus.proxy.lb.EndpointRef;
import dev.ficus.proxy.tls.MeshTls;
import dev.ficus.proxy.tls.UpstreamTlsHandshake;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import javax.net.ssl.SSLException;

/**
 * The pieces of an HTTP/1.1 {@code CONNECT host:port} tunnel (forward-proxy mode, for apps that set
 * {@code HTTPS_PROXY}): the authority-form target, the connection to the chosen endpoint on the
 * downstream connection's event loop (with the cluster's upstream TLS), and the {@code 200 Connection Established} answer. The router
 * then turns both connections into a {@link dev.ficus.proxy.tcp.Splice}, as after a 101.
 */
final class ConnectTunnel {
    private static final HttpResponseStatus ESTABLISHED = new HttpResponseStatus(200, "Connection Established");

    private ConnectTunnel() {}

    /** The {@code host:port} of a CONNECT target (RFC 9110 section 9.3.6), or null when it is not one. */
    static String authority(String uri) {
        if (uri == null || uri.isEmpty() || uri.indexOf('/') >= 0 || uri.indexOf('@') >= 0) return null;
        int colon = uri.lastIndexOf(':');
        if (colon <= 0 || colon == uri.length() - 1) return null;
        int port = 0;
        for (int i = colon + 1; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (c < '0' || c > '9' || i - colon > 5) return null;
            port = port * 10 + (c - '0');
        }
        if (port == 0 || port > 65535) return null;
        String host = uri.substring(0, colon);
        if (host.indexOf(':') >= 0 && !(host.startsWith("[") && host.endsWith("]"))) return null; // IPv6 needs brackets
        return uri;
    }

    /**
     * Opens a TCP connection to {@code ep} on {@code down}'s event loop, secured as an HTTP
     * connection to it would be (mesh mTLS, auto mTLS, DestinationRule origination; see
     * {@link UpstreamTlsHandshake}). The future completes once the connection is usable: connected,
     * and with TLS after the handshake and the server's identity checked; a failure closes it.
     * Reading starts with the splice.
     */
    static Future<Channel> connect(Channel down, Class<? extends Channel> channelClass, ClusterRuntime cluster, EndpointRef ep, MeshTls tls) {
        Promise<Channel> usable = down.eventLoop().newPromise();
        UpstreamTlsHandshake[] secure = new UpstreamTlsHandshake[1];
        ChannelFuture connect = dev.ficus.proxy.pool.UpstreamSockets.keepalive(new Bootstrap(), channelClass, cluster.config().limits())
                .group(down.eventLoop())
                .channel(channelClass)
                .option(ChannelOption.ALLOCATOR, down.alloc())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, cluster.config().connectTimeout().toMillis()))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        try { // the TLS handler first in the pipeline; the splice keeps it
                            secure[0] = UpstreamTlsHandshake.forConnection(tls, cluster.config(), ep.endpoint(), ch);
                        } catch (SSLException e) { // ISTIO_MUTUAL before this proxy has a certificate
                            usable.tryFailure(e);
                            ch.close();
                        }
                    }
                })
                .connect(ep.address());
        connect.addListener(x -> {
            Channel up = connect.channel();
            if (!connect.isSuccess()) {
                usable.tryFailure(connect.cause());
            } else if (secure[0] == null) {
                usable.trySuccess(up);
            } else {
                up.read(); // the handshake needs reads; AUTO_READ is off
                secure[0].whenSecured(() -> usable.trySuccess(up), cause -> {
                    up.close();
                    usable.tryFailure(cause);
                });
            }
        });
        return usable;
    }

    /** {@code HTTP/1.1 200 Connection Established}: no body and no framing fields, the tunnel follows. */
    static FullHttpResponse established() {
        return new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, ESTABLISHED);
    }
}
