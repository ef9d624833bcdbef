package dev.ficus.api;

import dev.ficus.api.mesh.App;
import dev.ficus.api.mesh.Rollout;
import dev.ficus.api.networking.DestinationRule;
import dev.ficus.api.networking.Gateway;
import dev.ficus.api.networking.ServiceEntry;
import dev.ficus.api.networking.Sidecar;
import dev.ficus.api.networking.VirtualService;
import dev.ficus.api.networking.WorkloadEntry;
import dev.ficus.api.security.AuthorizationPolicy;
import dev.ficus.api.security.PeerAuthentication;
import dev.ficus.api.security.RequestAuthentication;
import dev.ficus.api.telemetry.Telemetry;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The kinds ficus reads, with the API versions it accepts for each and the record of its spec:
 * Istio's, and ficus's own (mesh.ficus.dev) for what Istio has no kind for.
 */
public enum Kind {
    VIRTUAL_SERVICE("VirtualService", Groups.NETWORKING, Groups.NETWORKING_VERSIONS, VirtualService.class),
    DESTINATION_RULE("DestinationRule", Groups.NETWORKING, Groups.NETWORKING_VERSIONS, DestinationRule.class),
    SERVICE_ENTRY("ServiceEntry", Groups.NETWORKING, Groups.NETWORKING_VERSIONS, ServiceEntry.class),
    WORKLOAD_ENTRY("WorkloadEntry", Groups.NETWORKING, Groups.NETWORKING_VERSIONS, WorkloadEntry.class),
    GATEWAY("Gateway", Groups.NETWORKING, Groups.NETWORKING_VERSIONS, Gateway.class),
    SIDECAR("Sidecar", Groups.NETWORKING, Groups.NETWORKING_VERSIONS, Sidecar.class),
    PEER_AUTHENTICATION("PeerAuthentication", Groups.SECURITY, Groups.SECURITY_VERSIONS, PeerAuthentication.class),
    AUTHORIZATION_POLICY("AuthorizationPolicy", Groups.SECURITY, Groups.SECURITY_VERSIONS, AuthorizationPolicy.class),
    REQUEST_AUTHENTICATION("RequestAuthentication", Groups.SECURITY, Groups.SECURITY_VERSIONS, RequestAuthentication.class),
    TELEMETRY("Telemetry", Groups.TELEMETRY, Groups.TELEMETRY_VERSIONS, Telemetry.class),
    /** ficus's own: a local process that {@code ficus up} runs for a WorkloadEntry. */
    APP("App", Groups.MESH, Groups.MESH_VERSIONS, App.class),
    /** ficus's own: moves a VirtualService's traffic to a candidate step by step, with checks and rollback. */
    ROLLOUT("Rollout", Groups.MESH, Groups.MESH_VERSIONS, Rollout.class);

    private final String kindName;
    private final String group;
    private final List<String> versions;
    private final Class<?> specType;

    Kind(String kindName, String group, List<String> versions, Class<?> specType) {
        this.kindName = kindName;
        this.group = group;
        this.versions = versions;
        this.specType = specType;
    }

    public String kindName() {
        return kindName;
    }

    public String group() {
        return group;
    }

    /** Accepted versions, newest first. */
    public List<String> versions() {
        return versions;
    }

    public Class<?> specType() {
        return specType;
    }

    public String preferredApiVersion() {
        return group + "/" + versions.getFirst();
    }

    public boolean accepts(String apiVersion) {
        int slash = apiVersion.indexOf('/');
        return slash > 0 && apiVersion.substring(0, slash).equals(group) && versions.contains(apiVersion.substring(slash + 1));
    }

    public static Optional<Kind> byName(String kindName) {
        for (Kind k : values()) {
            if (k.kindName.equals(kindName)) return Optional.of(k);
        }
        return Optional.empty();
    }

    /** Istio kinds that exist but ficus does not read: loading one warns that it is skipped. */
    public static final Set<String> ISTIO_KINDS_NOT_READ = Set.of(
            "EnvoyFilter", "WorkloadGroup", "ProxyConfig", "WasmPlugin", "IstioOperator");

    private static final class Groups {
        static final String NETWORKING = "networking.istio.io";
        static final String SECURITY = "security.istio.io";
        static final String TELEMETRY = "telemetry.istio.io";
        static final String MESH = "mesh.ficus.dev";
        static final List<String> NETWORKING_VERSIONS = List.of("v1", "v1beta1", "v1alpha3");
        static final List<String> SECURITY_VERSIONS = List.of("v1", "v1beta1");
        static final List<String> TELEMETRY_VERSIONS = List.of("v1", "v1alpha1");
        static final List<String> MESH_VERSIONS = List.of("v1alpha1");
    }
}
