package dev.ficus.proxy.telemetry;

import dev.ficus.xds.snapshot.TelemetryPolicy.PeerWorkload;
import io.netty.util.AsciiString;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The peer-metadata exchange between ficus proxies (Istio's {@code x-envoy-peer-metadata}): a
 * client-side proxy tells the server-side one which workload sends the request, and the server
 * side answers with its own workload in the response, so that both reporters know both ends.
 * The header never reaches an app: a proxy removes it where it reads it, and replaces what an
 * app sends.
 *
 * <p>The value is {@code 1;workload;namespace;app;version}. Decoded values are cached by their
 * text (a mesh has few distinct workloads), so a request costs one map lookup.
 */
public final class PeerMetadata {
    public static final AsciiString HEADER = AsciiString.cached("x-ficus-peer");
    private static final int MAX_CACHED = 10_000;
    private static final ConcurrentHashMap<String, PeerWorkload> CACHE = new ConcurrentHashMap<>();

    private PeerMetadata() {}

    /** The header value naming {@code w}; fields that cannot be written (with ';') go as {@code unknown}. */
    public static AsciiString encode(PeerWorkload w) {
        return new AsciiString("1;" + field(w.workload()) + ";" + field(w.namespace()) + ";" + field(w.app()) + ";" + field(w.version()));
    }

    private static String field(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ';' || c < 0x21 || c > 0x7e) return "unknown";
        }
        return s;
    }

    /** The workload a header value names; {@link PeerWorkload#UNKNOWN} for null or malformed values. */
    public static PeerWorkload decode(String value) {
        if (value == null) return PeerWorkload.UNKNOWN;
        PeerWorkload w = CACHE.get(value);
        if (w != null) return w;
        w = parse(value);
        if (CACHE.size() < MAX_CACHED) CACHE.put(value, w);
        return w;
    }

    private static PeerWorkload parse(String v) {
        String[] p = v.split(";", -1);
        if (p.length < 5 || !"1".equals(p[0]) || v.length() > 512) return PeerWorkload.UNKNOWN;
        for (int i = 1; i < 5; i++) if (field(p[i]).equals("unknown") && !p[i].equals("unknown")) return PeerWorkload.UNKNOWN;
        return new PeerWorkload(p[1], p[2], p[3], p[4]);
    }
}
