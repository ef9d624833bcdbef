package dev.ficus.cli;

import dev.ficus.proxy.telemetry.trace.Tracer;
import dev.ficus.proxy.telemetry.trace.TracingConfig;
import picocli.CommandLine.Option;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code ficus proxy}'s tracing options: where spans go (OTLP over HTTP/protobuf). The collector
 * comes from {@code --tracing-endpoint} or OpenTelemetry's standard variables, so that a proxy
 * started by {@code ficus up} (which passes its environment on) exports to the same collector.
 * Without an endpoint no tracer is installed and trace headers pass through untouched.
 */
final class TracingOptions {
    static final String TRACES_ENDPOINT = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", ENDPOINT = "OTEL_EXPORTER_OTLP_ENDPOINT";
    static final String TRACES_HEADERS = "OTEL_EXPORTER_OTLP_TRACES_HEADERS", HEADERS = "OTEL_EXPORTER_OTLP_HEADERS";
    static final String TRACES_PROTOCOL = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", PROTOCOL = "OTEL_EXPORTER_OTLP_PROTOCOL";

    @Option(names = "--tracing-endpoint", paramLabel = "URL",
            description = {"Export spans as OTLP/HTTP (protobuf) to this collector, e.g. http://127.0.0.1:4318 (a URL without a path gets /v1/traces).",
                    "Default: $" + TRACES_ENDPOINT + ", else $" + ENDPOINT + "/v1/traces. Without one, no spans and trace headers pass untouched.",
                    "Sampling follows the Telemetry resources (Istio's default: 1%% of new traces)."})
    String endpoint;

    Function<String, String> env = System::getenv;

    /** The traces URL spans go to, or null when tracing is off; a malformed URL is refused with its reason. */
    String tracesUrl() {
        if (endpoint != null) return check(hasPath(endpoint) ? endpoint : strip(endpoint) + "/v1/traces", "--tracing-endpoint");
        String traces = env(TRACES_ENDPOINT);
        if (traces != null) return check(traces, TRACES_ENDPOINT);
        String base = env(ENDPOINT);
        if (base != null) return check(strip(base) + "/v1/traces", ENDPOINT); // the spec appends to the base's path
        return null;
    }

    /** Starts the tracer when an endpoint is set (null otherwise), telling {@code log} where spans go. */
    Tracer start(String nodeId, Log log) {
        String url = tracesUrl();
        if (url == null) return null;
        String protocol = env(TRACES_PROTOCOL) != null ? env(TRACES_PROTOCOL) : env(PROTOCOL);
        if (protocol != null && !protocol.equals("http/protobuf")) {
            log.warn("ficus exports OTLP over http/protobuf only (" + (env(TRACES_PROTOCOL) != null ? TRACES_PROTOCOL : PROTOCOL) + "=" + protocol
                    + " is ignored): give the collector's OTLP/HTTP port, usually 4318");
        }
        Map<String, String> headers = headers(env(TRACES_HEADERS) != null ? env(TRACES_HEADERS) : env(HEADERS));
        log.info("tracing: spans go to " + url + " (OTLP/HTTP); sampling as the Telemetry resources say");
        return Tracer.otlp(url, headers, TracingConfig.defaults(nodeId));
    }

    private String env(String name) {
        String v = env.apply(name);
        return v == null || v.isBlank() ? null : v.trim();
    }

    private static boolean hasPath(String url) {
        try {
            String p = URI.create(url.trim()).getPath();
            return p != null && !p.isEmpty() && !p.equals("/");
        } catch (IllegalArgumentException e) {
            return false; // check() says what is wrong
        }
    }

    private static String strip(String url) {
        String u = url.trim();
        return u.endsWith("/") ? u.substring(0, u.length() - 1) : u;
    }

    private static String check(String url, String from) {
        URI u;
        try {
            u = URI.create(url.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(from + ": not a URL: " + url);
        }
        if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
            throw new IllegalArgumentException(from + ": want http://HOST:PORT (a collector's OTLP/HTTP port, usually 4318), got " + url);
        }
        return u.toString();
    }

    /** OTLP's {@code key=value,key2=value2} (values URL-encoded); malformed members are skipped. */
    static Map<String, String> headers(String v) {
        Map<String, String> m = new LinkedHashMap<>();
        if (v == null) return m;
        for (String member : v.split(",")) {
            int eq = member.indexOf('=');
            if (eq <= 0) continue;
            m.put(member.substring(0, eq).trim(), URLDecoder.decode(member.substring(eq + 1).trim(), StandardCharsets.UTF_8));
        }
        return m;
    }
}
