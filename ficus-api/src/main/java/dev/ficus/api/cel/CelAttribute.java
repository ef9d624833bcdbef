package dev.ficus.api.cel;

import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The request attributes a filter may read, with Envoy's names and types (Envoy's attribute
 * reference). Connection attributes describe the downstream connection, upstream attributes the
 * connection to the chosen endpoint; either is absent where the proxy has none (an outbound
 * listener's downstream is the app's plaintext connection, so {@code connection.mtls} is false).
 */
public enum CelAttribute {
    REQUEST_PATH("request.path", CelType.STRING, "the path with its query, as the client sent it"),
    REQUEST_URL_PATH("request.url_path", CelType.STRING, "the path without its query"),
    REQUEST_QUERY("request.query", CelType.STRING, "the query without '?', empty when none"),
    REQUEST_HOST("request.host", CelType.STRING, "the authority (Host header)"),
    REQUEST_METHOD("request.method", CelType.STRING, "e.g. GET"),
    REQUEST_ID("request.id", CelType.STRING, "the x-request-id header"),
    REQUEST_USERAGENT("request.useragent", CelType.STRING, "the user-agent header"),
    REQUEST_PROTOCOL("request.protocol", CelType.STRING, "HTTP/1.0, HTTP/1.1 or HTTP/2"),
    REQUEST_DURATION("request.duration", CelType.DURATION, "from the request head to the end of the exchange"),
    REQUEST_SIZE("request.size", CelType.INT, "request body bytes"),
    RESPONSE_CODE("response.code", CelType.INT, "the status sent to the client; 0 when none was"),
    RESPONSE_GRPC_STATUS("response.grpc_status", CelType.INT, "the grpc-status of a gRPC exchange"),
    RESPONSE_SIZE("response.size", CelType.INT, "response body bytes"),
    SOURCE_ADDRESS("source.address", CelType.STRING, "the client's IP address"),
    CONNECTION_MTLS("connection.mtls", CelType.BOOL, "the downstream connection is mesh mTLS"),
    CONNECTION_URI_SAN_PEER_CERTIFICATE("connection.uri_san_peer_certificate", CelType.STRING, "the client's SPIFFE ID on an mTLS downstream"),
    CONNECTION_URI_SAN_LOCAL_CERTIFICATE("connection.uri_san_local_certificate", CelType.STRING, "this proxy's SPIFFE ID on an mTLS downstream"),
    UPSTREAM_ADDRESS("upstream.address", CelType.STRING, "the endpoint the request went to, host:port"),
    UPSTREAM_URI_SAN_PEER_CERTIFICATE("upstream.uri_san_peer_certificate", CelType.STRING, "the server's SPIFFE ID on an mTLS upstream"),
    UPSTREAM_URI_SAN_LOCAL_CERTIFICATE("upstream.uri_san_local_certificate", CelType.STRING, "this proxy's SPIFFE ID on an mTLS upstream"),
    XDS_ROUTE_NAME("xds.route_name", CelType.STRING, "the route that matched"),
    XDS_CLUSTER_NAME("xds.cluster_name", CelType.STRING, "the cluster the request was sent to");

    private static final Map<String, CelAttribute> BY_NAME = Arrays.stream(values())
            .collect(Collectors.toUnmodifiableMap(CelAttribute::celName, Function.identity()));

    private final String celName;
    private final CelType type;
    private final String description;

    CelAttribute(String celName, CelType type, String description) {
        this.celName = celName;
        this.type = type;
        this.description = description;
    }

    /** The dotted name a filter writes, e.g. {@code response.code}. */
    public String celName() { return celName; }

    public CelType type() { return type; }

    public String description() { return description; }

    /** The attribute named {@code name}, or null. */
    public static CelAttribute byName(String name) { return BY_NAME.get(name); }
}
