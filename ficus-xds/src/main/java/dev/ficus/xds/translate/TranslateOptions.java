package dev.ficus.xds.translate;

/**
 * Where a proxy listens when the configuration does not say.
 *
 * @param outboundBind  address of the default outbound listener (also the HTTP_PROXY endpoint)
 * @param outboundPort  its port, Istio's 15001; 0 lets the system pick (tests); -1 disables it
 * @param inboundBind   default address of Sidecar ingress listeners without {@code bind}
 * @param gatewayBind   default address of Gateway servers without {@code bind}
 */
public record TranslateOptions(String outboundBind, int outboundPort, String inboundBind, String gatewayBind) {
    public static final TranslateOptions DEFAULTS = new TranslateOptions("127.0.0.1", 15001, "0.0.0.0", "0.0.0.0");

    public TranslateOptions withOutboundPort(int port) {
        return new TranslateOptions(outboundBind, port, inboundBind, gatewayBind);
    }

    /** Every component, for a snapshot's version (see {@link ProxyIdentity#key()}). */
    public String key() {
        return outboundBind + '|' + outboundPort + '|' + inboundBind + '|' + gatewayBind;
    }
}
