package dev.ficus.proxy.telemetry.accesslog;

import java.util.Arrays;

/**
 * One entry as a JSON line, with the keys of Istio's default JSON access log where Istio has the
 * field and Envoy's command-operator names otherwise, sorted as Envoy prints them. A value ficus
 * does not have is {@code null}; {@code response_flags} is {@code "-"} without a flag, as in
 * Envoy. Numbers are JSON numbers. Runs on the writer thread, into a reused buffer.
 */
final class AccessLogFormat {
    private AccessLogFormat() {}

    static void append(AccessLogEntry e, Bytes out) {
        out.ascii("{\"authority\":").string(e.authority);
        out.ascii(",\"bytes_received\":").number(e.bytesReceived);
        out.ascii(",\"bytes_sent\":").number(e.bytesSent);
        out.ascii(",\"downstream_local_uri_san\":").string(e.inbound ? e.localPrincipal : null);
        out.ascii(",\"downstream_peer_uri_san\":").string(e.inbound ? e.peerPrincipal : null);
        out.ascii(",\"downstream_remote_address\":").string(e.downstreamAddress);
        out.ascii(",\"duration\":").number(e.durationMicros / 1000);
        out.ascii(",\"grpc_status\":");
        if (e.grpcStatus < 0) out.ascii("null");
        else out.number(e.grpcStatus);
        out.ascii(",\"method\":").string(e.method);
        out.ascii(",\"path\":").string(e.path);
        out.ascii(",\"protocol\":").string(e.protocol);
        out.ascii(",\"request_id\":").string(e.requestId);
        out.ascii(",\"response_code\":").number(e.status);
        out.ascii(",\"response_flags\":\"").ascii(dev.ficus.proxy.http.ResponseFlags.names(e.flags)).ascii("\"");
        out.ascii(",\"route_name\":").string(e.routeName);
        out.ascii(",\"start_time\":\"");
        timestamp(e.startEpochMillis, out);
        out.ascii("\",\"trace_id\":").string(e.traceId);
        out.ascii(",\"upstream_cluster\":").string(e.cluster);
        out.ascii(",\"upstream_host\":").string(e.upstreamHost == null ? null : e.upstreamHost.toString());
        out.ascii(",\"upstream_local_uri_san\":").string(e.inbound ? null : e.localPrincipal);
        out.ascii(",\"upstream_peer_uri_san\":").string(e.inbound ? null : e.peerPrincipal);
        out.ascii(",\"user_agent\":").string(e.userAgent);
        out.ascii("}\n");
    }

    /** RFC 3339 in UTC with milliseconds, as Envoy's {@code %START_TIME%}: {@code 2026-05-01T12:00:00.123Z}. */
    static void timestamp(long epochMillis, Bytes out) {
        long secs = Math.floorDiv(epochMillis, 1000);
        int millis = Math.floorMod(epochMillis, 1000);
        long days = Math.floorDiv(secs, 86400);
        int secOfDay = Math.floorMod(secs, 86400);
        // civil from days (Howard Hinnant's algorithm)
        long z = days + 719468;
        long era = Math.floorDiv(z, 146097);
        long doe = z - era * 146097;
        long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        long mp = (5 * doy + 2) / 153;
        int day = (int) (doy - (153 * mp + 2) / 5 + 1);
        int month = (int) (mp < 10 ? mp + 3 : mp - 9);
        long year = yoe + era * 400 + (month <= 2 ? 1 : 0);
        out.digits(year, 4).ascii("-").digits(month, 2).ascii("-").digits(day, 2).ascii("T")
                .digits(secOfDay / 3600, 2).ascii(":").digits(secOfDay / 60 % 60, 2).ascii(":").digits(secOfDay % 60, 2)
                .ascii(".").digits(millis, 3).ascii("Z");
    }

    /** A growable byte buffer with the few JSON writes a line needs (UTF-8, escaped). */
    static final class Bytes {
        private byte[] buf;
        private int len;

        Bytes(int capacity) { buf = new byte[capacity]; }

        int length() { return len; }

        byte[] array() { return buf; }

        void reset() { len = 0; }

        private void ensure(int more) {
            if (len + more > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
        }

        /** Text known to be ASCII and free of characters JSON escapes. */
        Bytes ascii(String s) {
            ensure(s.length());
            for (int i = 0; i < s.length(); i++) buf[len++] = (byte) s.charAt(i);
            return this;
        }

        Bytes number(long v) {
            return ascii(Long.toString(v));
        }

        Bytes digits(long v, int width) {
            String s = Long.toString(v);
            for (int i = s.length(); i < width; i++) ascii("0");
            return ascii(s);
        }

        /** A JSON string, or {@code null}. */
        Bytes string(String s) {
            if (s == null) return ascii("null");
            ensure(s.length() + 2);
            buf[len++] = '"';
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
                    ensure(1);
                    buf[len++] = (byte) c;
                } else if (c == '"' || c == '\\') {
                    ensure(2);
                    buf[len++] = '\\';
                    buf[len++] = (byte) c;
                } else if (c < 0x20 || c == 0x7f) {
                    ensure(6);
                    buf[len++] = '\\';
                    buf[len++] = 'u';
                    buf[len++] = '0';
                    buf[len++] = '0';
                    buf[len++] = HEX[c >> 4];
                    buf[len++] = HEX[c & 0xf];
                } else if (c < 0x800) {
                    ensure(2);
                    buf[len++] = (byte) (0xc0 | c >> 6);
                    buf[len++] = (byte) (0x80 | c & 0x3f);
                } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    int cp = Character.toCodePoint(c, s.charAt(++i));
                    ensure(4);
                    buf[len++] = (byte) (0xf0 | cp >> 18);
                    buf[len++] = (byte) (0x80 | cp >> 12 & 0x3f);
                    buf[len++] = (byte) (0x80 | cp >> 6 & 0x3f);
                    buf[len++] = (byte) (0x80 | cp & 0x3f);
                } else if (Character.isSurrogate(c)) {
                    ensure(3); // a lone surrogate is not text: U+FFFD, as a UTF-8 encoder writes it
                    buf[len++] = (byte) 0xef;
                    buf[len++] = (byte) 0xbf;
                    buf[len++] = (byte) 0xbd;
                } else {
                    ensure(3);
                    buf[len++] = (byte) (0xe0 | c >> 12);
                    buf[len++] = (byte) (0x80 | c >> 6 & 0x3f);
                    buf[len++] = (byte) (0x80 | c & 0x3f);
                }
            }
            ensure(1);
            buf[len++] = '"';
            return this;
        }

        private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
