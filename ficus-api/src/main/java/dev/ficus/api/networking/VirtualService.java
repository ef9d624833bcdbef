package dev.ficus.api.networking;


import java.util.List;

/**
 * VirtualService spec (networking.istio.io/v1): routing rules for traffic addressed to
 * {@code hosts}, applied by sidecars ({@code mesh}) and/or the named gateways. The control plane
 * translates these into the routes a proxy's router matches on the request path.
 *
 * @param hosts    destination hosts the rules apply to: DNS names (wildcard prefix allowed), short
 *                 names resolved against the resource's namespace, or IPs (gateways only)
 * @param gateways gateways and sidecars that apply these routes; {@code mesh} means all sidecars,
 *                 {@code ns/name} a gateway of another namespace; empty means {@code mesh}
 * @param exportTo namespaces that see this VirtualService ({@code .} this one, {@code *} all)
 */
public record VirtualService(
        List<String> hosts,
        List<String> gateways,
        List<HTTPRoute> http,
        List<TLSRoute> tls,
        List<TCPRoute> tcp,
        List<String> exportTo) {

    /** The reserved gateway name that means "every sidecar of the mesh". */
    public static final String MESH = "mesh";

    /** The gateways this VirtualService applies to, with the implicit {@code mesh} when none are named. */
    public List<String> effectiveGateways() {
        return gateways.isEmpty() ? List.of(MESH) : gateways;
    }
}
