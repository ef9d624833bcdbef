package dev.ficus.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** A loopback port with nothing listening on it, for connect-failure tests. */
public final class ClosedPort {
    private ClosedPort() {}

    /** Binds port 0, notes the port and closes the socket again, so a connect is refused. */
    public static int find() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
