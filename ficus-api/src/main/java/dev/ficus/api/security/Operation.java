package dev.ficus.api.security;

import java.util.List;

/**
 * Istio's {@code Operation}: what a request does. Fields are ANDed; values within a field are ORed.
 * {@code hosts}, {@code methods} and {@code paths} need HTTP; {@code ports} also work for TCP.
 *
 * @param hosts   the request's host (case-insensitive), in {@link StringMatch} forms
 * @param ports   destination ports as strings of 1..65535
 * @param methods HTTP methods, case-sensitive ({@code GET}, not {@code get}); gRPC is always POST
 * @param paths   request paths: exact ({@code /a}), prefix ({@code /a/*}), suffix ({@code *.js}) or {@code *}
 */
public record Operation(
        List<String> hosts,
        List<String> notHosts,
        List<String> ports,
        List<String> notPorts,
        List<String> methods,
        List<String> notMethods,
        List<String> paths,
        List<String> notPaths) {

    /** True when no field is set: Istio refuses such an operation. */
    public boolean isEmpty() {
        return hosts.isEmpty() && notHosts.isEmpty() && ports.isEmpty() && notPorts.isEmpty()
                && methods.isEmpty() && notMethods.isEmpty() && paths.isEmpty() && notPaths.isEmpty();
    }
}
