package dev.ficus.proxy.telemetry.accesslog;

import dev.ficus.api.cel.CelActivation;
import dev.ficus.api.cel.CelAttribute;
import dev.ficus.proxy.telemetry.Exchange;
import java.util.List;

/**
 * The attributes a filter reads, from an {@link Exchange} at its end. One instance per direction:
 * an inbound listener's connection attributes are its mTLS downstream, an outbound or gateway
 * listener's principals belong to the upstream connection (its downstream is the app's). Called
 * on event loops; allocates only for {@code request.url_path}, {@code request.query},
 * {@code upstream.address} and headers.
 */
final class ExchangeAttributes implements CelActivation<Exchange> {
    static final ExchangeAttributes INBOUND = new ExchangeAttributes(true);
    static final ExchangeAttributes OUTBOUND = new ExchangeAttributes(false);

    private final boolean inbound;

    private ExchangeAttributes(boolean inbound) { this.inbound = inbound; }

    @Override
    public String string(Exchange ex, CelAttribute a) {
        return switch (a) {
            case REQUEST_PATH -> ex.path();
            case REQUEST_URL_PATH -> {
                String p = ex.path();
                int q = p == null ? -1 : p.indexOf('?');
                yield q < 0 ? p : p.substring(0, q);
            }
            case REQUEST_QUERY -> {
                String p = ex.path();
                int q = p == null ? -1 : p.indexOf('?');
                yield p == null ? null : q < 0 ? "" : p.substring(q + 1);
            }
            case REQUEST_HOST -> ex.authority();
            case REQUEST_METHOD -> ex.method();
            case REQUEST_ID -> ex.requestId();
            case REQUEST_USERAGENT -> ex.userAgent();
            case REQUEST_PROTOCOL -> ex.protocol();
            case SOURCE_ADDRESS -> ex.downstreamAddress();
            case CONNECTION_URI_SAN_PEER_CERTIFICATE -> inbound ? ex.peerPrincipal() : null;
            case CONNECTION_URI_SAN_LOCAL_CERTIFICATE -> inbound ? ex.localPrincipal() : null;
            case UPSTREAM_ADDRESS -> ex.upstreamHost();
            case UPSTREAM_URI_SAN_PEER_CERTIFICATE -> inbound ? null : ex.peerPrincipal();
            case UPSTREAM_URI_SAN_LOCAL_CERTIFICATE -> inbound ? null : ex.localPrincipal();
            case XDS_ROUTE_NAME -> ex.routeName();
            case XDS_CLUSTER_NAME -> ex.cluster();
            default -> null;
        };
    }

    @Override
    public long number(Exchange ex, CelAttribute a) {
        return switch (a) {
            case RESPONSE_CODE -> ex.status();
            case RESPONSE_GRPC_STATUS -> ex.grpcStatus() < 0 ? ABSENT : ex.grpcStatus();
            case RESPONSE_SIZE -> ex.responseBytes();
            case REQUEST_SIZE -> ex.requestBytes();
            case REQUEST_DURATION -> ex.durationMicros() * 1000;
            default -> ABSENT;
        };
    }

    @Override
    public boolean bool(Exchange ex, CelAttribute a) {
        return a == CelAttribute.CONNECTION_MTLS && inbound && ex.mutualTls();
    }

    @Override
    public String header(Exchange ex, String name) {
        if (ex.request() == null) return null;
        List<String> all = ex.request().headers().getAll(name); // Envoy joins repeated headers with commas
        return all.isEmpty() ? null : all.size() == 1 ? all.getFirst() : String.join(",", all);
    }
}
