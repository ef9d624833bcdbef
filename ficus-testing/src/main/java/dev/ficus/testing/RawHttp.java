package dev.ficus.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Sends hand-written bytes over a plain socket and reads what comes back, for tests of malformed
 * or hostile requests that a real client refuses to send.
 */
public final class RawHttp {
    private RawHttp() {}

    /**
     * Writes {@code request} to 127.0.0.1:{@code port} and reads until the server closes the
     * connection, {@code timeout} passes, or one full response head plus {@code Content-Length}
     * body has arrived.
     */
    public static String exchange(int port, String request, Duration timeout) {
        return exchange(port, request, timeout, false);
    }

    /** Like {@link #exchange} but reads until the server closes (or the timeout): for pipelined requests. */
    public static String exchangeUntilClose(int port, String request, Duration timeout) {
        return exchange(port, request, timeout, true);
    }

    private static String exchange(int port, String request, Duration timeout, boolean untilClose) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout((int) timeout.toMillis());
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            return readResponse(s.getInputStream(), System.nanoTime() + timeout.toNanos(), untilClose);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String readResponse(InputStream in, long deadline, boolean untilClose) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        while (System.nanoTime() < deadline) {
            int r;
            try {
                r = in.read(buf);
            } catch (SocketTimeoutException e) {
                break;
            } catch (IOException e) {
                break; // reset by peer after the response: keep what arrived
            }
            if (r < 0) break;
            out.write(buf, 0, r);
            String text = out.toString(StandardCharsets.ISO_8859_1);
            int end = text.indexOf("\r\n\r\n");
            if (end >= 0 && !untilClose) {
                int cl = contentLength(text.substring(0, end));
                if (cl >= 0 && text.length() >= end + 4 + cl) break;
            }
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    private static int contentLength(String head) {
        for (String line : head.split("\r\n")) {
            int c = line.indexOf(':');
            if (c > 0 && line.substring(0, c).trim().equalsIgnoreCase("content-length")) return Integer.parseInt(line.substring(c + 1).trim());
        }
        return -1;
    }

    /** The status code of a raw response, or -1 when there is none. */
    public static int status(String response) {
        if (!response.startsWith("HTTP/1.")) return -1;
        return Integer.parseInt(response.substring(9, 12));
    }
}
