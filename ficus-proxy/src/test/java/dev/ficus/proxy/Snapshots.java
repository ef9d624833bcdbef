package dev.ficus.proxy;

import dev.ficus.testing.FakeUpstream;
import dev.ficus.xds.snapshot.ClusterConfig;
import dev.ficus.xds.snapshot.Endpoint;
import dev.ficus.xds.snapshot.HostPort;
import dev.ficus.xds.snapshot.ListenerConfig;
import dev.ficus.xds.snapshot.ListenerKind;
import dev.ficus.xds.snapshot.ListenerProtocol;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.snapshot.Route;
import dev.ficus.xds.snapshot.RouteAction;
import dev.ficus.xds.snapshot.RouteMatch;
import dev.ficus.xds.snapshot.RouteTable;
import dev.ficus.xds.snapshot.VirtualHost;
import java.util.List;

/** Small snapshots for tests: one listener "main" on 127.0.0.1:0 with route table "main". */
final class Snapshots {
    private Snapshots() {}

    static ListenerConfig listener() {
        return new ListenerConfig("main", new HostPort("127.0.0.1", 0), ListenerKind.OUTBOUND, ListenerProtocol.HTTP, "main");
    }

    static ClusterConfig cluster(FakeUpstream u) {
        return ClusterConfig.of(u.name(), Endpoint.of(u.host(), u.port()));
    }

    static ProxySnapshot.Builder withRoutes(String version, List<Route> routes, ClusterConfig... clusters) {
        ProxySnapshot.Builder b = ProxySnapshot.builder(version)
                .listener(listener())
                .routeTable(new RouteTable("main", List.of(new VirtualHost("all", List.of("*"), routes))));
        for (ClusterConfig c : clusters) b.cluster(c);
        return b;
    }

    static ProxySnapshot forwardAll(String version, FakeUpstream u) {
        return withRoutes(version, List.of(new Route("all", RouteMatch.ANY, RouteAction.Forward.to(u.name()))), cluster(u)).build();
    }

    /**
     * The snapshot ficus makes of Istio YAML for workload {@code app} (label {@code app=NAME}) in
     * {@code namespace}, with an outbound listener on an ephemeral port; the YAML must validate
     * without errors and translate without notes.
     */
    static ProxySnapshot fromYaml(String yaml, String app, String namespace) {
        var r = dev.ficus.api.validate.Validator.loadAndValidateString(app + ".yaml", yaml);
        org.assertj.core.api.Assertions.assertThat(r.diagnostics().stream().filter(dev.ficus.api.config.Diagnostic::isError)
                .map(dev.ficus.api.config.Diagnostic::format)).isEmpty();
        var t = dev.ficus.xds.translate.Translator.translate(dev.ficus.api.validate.Validator.effective(r.config()),
                new dev.ficus.xds.translate.ProxyIdentity(app, namespace, java.util.Map.of("app", app), null),
                dev.ficus.xds.translate.TranslateOptions.DEFAULTS.withOutboundPort(0));
        org.assertj.core.api.Assertions.assertThat(t.notes()).isEmpty();
        return t.snapshot();
    }
}
