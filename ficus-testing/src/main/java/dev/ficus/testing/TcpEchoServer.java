package dev.ficus.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ServerSocketFactory;

/**
 * A line echo server on 127.0.0.1:0 for TCP proxy tests: each line comes back as {@code name:line},
 * and when the client half-closes, {@code name:bye} is written before the server closes (so a test
 * sees half-close work both ways). With a greeting it speaks first, as server-first protocols do.
 * Give it an {@link ServerSocketFactory} from an {@code SSLContext} to serve TLS.
 */
public final class TcpEchoServer implements AutoCloseable {
    private final String name;
    private final String greeting;
    private final ServerSocket server;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final AtomicInteger connections = new AtomicInteger();

    private TcpEchoServer(String name, String greeting, ServerSocketFactory factory) {
        this.name = name;
        this.greeting = greeting;
        try {
            this.server = factory.createServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        threads.execute(this::acceptLoop);
    }

    public static TcpEchoServer start(String name) { return new TcpEchoServer(name, null, ServerSocketFactory.getDefault()); }

    public static TcpEchoServer start(String name, String greeting, ServerSocketFactory factory) { return new TcpEchoServer(name, greeting, factory); }

    public String name() { return name; }

    public int port() { return server.getLocalPort(); }

    public String host() { return server.getInetAddress().getHostAddress(); }

    /** Connections accepted so far. */
    public int connectionCount() { return connections.get(); }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                connections.incrementAndGet();
                threads.execute(() -> serve(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            OutputStream out = s.getOutputStream();
            if (greeting != null) {
                out.write((name + ":" + greeting + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                out.write((name + ":" + line + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
            out.write((name + ":bye\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            // the client went away
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        threads.shutdownNow();
    }
}
