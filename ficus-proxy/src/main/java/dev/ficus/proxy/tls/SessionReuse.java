package dev.ficus.proxy.tls;

import javax.net.ssl.SSLEngine;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Whether a finished handshake resumed a session (a TLS 1.3 PSK from a ticket) rather than doing
 * the full exchange of certificates and signatures: the figure that tells whether resumption
 * works, and what a connection cost. BoringSSL knows it (Netty keeps the answer package-private,
 * so it is read through one method handle, looked up once); the JDK's engine does not say, and is
 * reported as not resumed. Called once per handshake on the connection's event loop.
 */
public final class SessionReuse {
    private static final MethodHandle REUSED = lookup();

    private SessionReuse() {
    }

    /** True when the handshake on {@code engine} resumed a session; false when it did not or cannot tell. */
    public static boolean resumed(SSLEngine engine) {
        if (REUSED == null || !REUSED.type().parameterType(0).isInstance(engine)) return false;
        try {
            return (boolean) REUSED.invoke(engine);
        } catch (Throwable t) {
            return false;
        }
    }

    /** Whether resumption can be told on this JVM (BoringSSL loaded and the accessor found). */
    public static boolean observable() { return REUSED != null && MeshTls.provider() == io.netty.handler.ssl.SslProvider.OPENSSL; }

    private static MethodHandle lookup() {
        try {
            Class<?> engine = Class.forName("io.netty.handler.ssl.ReferenceCountedOpenSslEngine");
            return MethodHandles.privateLookupIn(engine, MethodHandles.lookup())
                    .findVirtual(engine, "isSessionReused", MethodType.methodType(boolean.class));
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return null;
        }
    }
}
