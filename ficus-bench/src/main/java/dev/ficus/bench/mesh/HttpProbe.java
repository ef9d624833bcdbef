package dev.ficus.bench.mesh;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** One HTTP/1.1 GET over a fresh connection, for readiness and checks; never used for load. */
final class HttpProbe {
    private HttpProbe() {
    }

    /** The response's status code, or -1 when the connection failed or closed without one. */
    static int get(int port, String host, String path, Duration timeout) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), (int) timeout.toMillis());
            s.setSoTimeout((int) timeout.toMillis());
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String head = readHead(s.getInputStream());
            if (!head.startsWith("HTTP/1.")) return -1;
            return Integer.parseInt(head.substring(9, 12));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The body of a GET (Connection: close), or null when there was no 200. */
    static String body(int port, String path, Duration timeout) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), (int) timeout.toMillis());
            s.setSoTimeout((int) timeout.toMillis());
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String all = new String(s.getInputStream().readNBytes(4 << 20), StandardCharsets.UTF_8);
            int end = all.indexOf("\r\n\r\n");
            return all.startsWith("HTTP/1.1 200") && end > 0 ? all.substring(end + 4) : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Polls until a GET answers 200; false when {@code atMost} passes first. */
    static boolean awaitOk(int port, String host, Duration atMost) throws InterruptedException {
        long deadline = System.nanoTime() + atMost.toNanos();
        while (System.nanoTime() < deadline) {
            if (get(port, host, "/", Duration.ofSeconds(2)) == 200) return true;
            Thread.sleep(50);
        }
        return false;
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder(64);
        for (int c; sb.length() < 64 && (c = in.read()) >= 0 && c != '\r'; ) sb.append((char) c);
        return sb.toString();
    }
}
