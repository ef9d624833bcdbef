package dev.ficus.proxy.telemetry.accesslog;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.ficus.proxy.http.ResponseFlag;
import dev.ficus.xds.snapshot.HostPort;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The JSON line: keys, escaping of anything a client may send, RFC 3339 times, principals by direction. */
class AccessLogFormatTest {

    static JsonObject format(AccessLogEntry e) {
        AccessLogFormat.Bytes b = new AccessLogFormat.Bytes(16);
        AccessLogFormat.append(e, b);
        String line = new String(b.array(), 0, b.length(), StandardCharsets.UTF_8);
        assertThat(line).endsWith("\n").doesNotContain("\r").hasLineCount(1);
        return JsonParser.parseString(line).getAsJsonObject();
    }

    static AccessLogEntry entry() {
        AccessLogEntry e = new AccessLogEntry();
        e.startEpochMillis = Instant.parse("2024-02-29T23:59:59.007Z").toEpochMilli();
        e.durationMicros = 12_345;
        e.status = 503;
        e.grpcStatus = 14;
        e.flags = dev.ficus.proxy.http.ResponseFlags.of(ResponseFlag.UF);
        e.bytesReceived = 10;
        e.bytesSent = 91;
        e.method = "POST";
        e.path = "/cart?id=1";
        e.protocol = "HTTP/2";
        e.upstreamHost = new HostPort("::1", 9080);
        e.peerPrincipal = "spiffe://cluster.local/ns/shop/sa/cart";
        e.localPrincipal = "spiffe://cluster.local/ns/shop/sa/frontend";
        return e;
    }

    @Test
    void writesEnvoysKeysAndValues() {
        JsonObject j = format(entry());
        assertThat(j.keySet()).containsExactly("authority", "bytes_received", "bytes_sent", "downstream_local_uri_san", "downstream_peer_uri_san",
                "downstream_remote_address", "duration", "grpc_status", "method", "path", "protocol", "request_id", "response_code",
                "response_flags", "route_name", "start_time", "trace_id", "upstream_cluster", "upstream_host", "upstream_local_uri_san",
                "upstream_peer_uri_san", "user_agent");
        assertThat(j.get("start_time").getAsString()).isEqualTo("2024-02-29T23:59:59.007Z");
        assertThat(j.get("duration").getAsLong()).isEqualTo(12);
        assertThat(j.get("grpc_status").getAsInt()).isEqualTo(14);
        assertThat(j.get("response_flags").getAsString()).isEqualTo("UF");
        assertThat(j.get("upstream_host").getAsString()).isEqualTo("[::1]:9080");
        assertThat(j.get("authority").isJsonNull()).isTrue();
    }

    @Test
    void principalsBelongToTheDownstreamOnInboundListenersAndToTheUpstreamElsewhere() {
        AccessLogEntry e = entry();
        e.inbound = false;
        JsonObject out = format(e);
        assertThat(out.get("upstream_peer_uri_san").getAsString()).isEqualTo("spiffe://cluster.local/ns/shop/sa/cart");
        assertThat(out.get("upstream_local_uri_san").getAsString()).isEqualTo("spiffe://cluster.local/ns/shop/sa/frontend");
        assertThat(out.get("downstream_peer_uri_san").isJsonNull()).isTrue();
        e.inbound = true;
        JsonObject in = format(e);
        assertThat(in.get("downstream_peer_uri_san").getAsString()).isEqualTo("spiffe://cluster.local/ns/shop/sa/cart");
        assertThat(in.get("downstream_local_uri_san").getAsString()).isEqualTo("spiffe://cluster.local/ns/shop/sa/frontend");
        assertThat(in.get("upstream_peer_uri_san").isJsonNull()).isTrue();
    }

    @Property(tries = 1000)
    void anyHeaderValueStaysInsideItsJsonString(@ForAll String userAgent, @ForAll String path) {
        AccessLogEntry e = entry();
        e.userAgent = userAgent;
        e.path = path;
        JsonObject j = format(e);
        assertThat(j.get("user_agent").getAsString()).isEqualTo(wellFormed(userAgent));
        assertThat(j.get("path").getAsString()).isEqualTo(wellFormed(path));
    }

    /** What UTF-8 can carry: a lone surrogate becomes U+FFFD. */
    private static String wellFormed(String s) {
        return new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
    }

    @Property(tries = 1000)
    void timesAreRfc3339WithMilliseconds(@ForAll @LongRange(min = 0, max = 253402300799999L) long millis) {
        AccessLogFormat.Bytes b = new AccessLogFormat.Bytes(8);
        AccessLogFormat.timestamp(millis, b);
        String s = new String(b.array(), 0, b.length(), StandardCharsets.US_ASCII);
        assertThat(s).isEqualTo(DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(java.time.ZoneOffset.UTC)
                .format(Instant.ofEpochMilli(millis)));
    }
}
