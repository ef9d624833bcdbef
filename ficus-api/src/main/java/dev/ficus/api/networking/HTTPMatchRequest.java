package dev.ficus.api.networking;

import java.util.List;
import java.util.Map;

/**
 * Conditions on an HTTP request; all set fields must hold (AND). Header names are lower-case;
 * {@code withoutHeaders} matches when the header does not match.
 *
 * @param port          port the request arrived on (gateways listening on several ports)
 * @param gateways      restricts this match to these gateways, overriding the VirtualService's list
 * @param statPrefix    prefix of the route's statistics
 */
public record HTTPMatchRequest(
        String name,
        StringMatch uri,
        StringMatch scheme,
        StringMatch method,
        StringMatch authority,
        Map<String, StringMatch> headers,
        Integer port,
        Map<String, String> sourceLabels,
        List<String> gateways,
        Map<String, StringMatch> queryParams,
        Boolean ignoreUriCase,
        Map<String, StringMatch> withoutHeaders,
        String sourceNamespace,
        String statPrefix) {
}
