package dev.ficus.xds.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ficus.api.config.ConfigLoader;
import dev.ficus.api.config.Diagnostic;
import dev.ficus.api.validate.Validator;
import dev.ficus.xds.snapshot.HeaderMatch;
import dev.ficus.xds.snapshot.HeaderMutations;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.snapshot.QueryParamMatch;
import dev.ficus.xds.snapshot.Route;
import dev.ficus.xds.snapshot.RouteAction;
import dev.ficus.xds.snapshot.StringMatch;
import dev.ficus.xds.snapshot.VirtualHost;
import dev.ficus.xds.snapshot.WeightedCluster;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * queryParams, scheme, ignoreUriCase, method prefix/regex, per-destination header edits and
 * redirect ports, translated as Istio translates them for Envoy, with no "not applied" note left.
 */
class HttpMatchFieldsTranslationTest {
    static final String MESH = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: reviews, namespace: shop}
            spec:
              hosts: [reviews.shop.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: 9080, name: http, protocol: HTTP}]
              endpoints: [{address: 127.0.0.11, labels: {version: v1}}, {address: 127.0.0.12, labels: {version: v2}}]
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: reviews, namespace: shop}
            spec:
              host: reviews
              subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews, namespace: shop}
            spec:
              hosts: [reviews]
              http:
              - name: query
                match: [{queryParams: {v: {exact: "2"}, id: {regex: "[0-9]+"}, debug: {}, tag: {prefix: beta}}}]
                route: [{destination: {host: reviews, subset: v2}}]
              - name: tls-only
                match: [{scheme: {exact: https}}]
                route: [{destination: {host: reviews, subset: v2}}]
              - name: case
                match: [{uri: {prefix: /Api}, ignoreUriCase: true}, {uri: {regex: "/Re[a-z]+"}, ignoreUriCase: true}]
                route: [{destination: {host: reviews, subset: v2}}]
              - name: writes
                match: [{method: {prefix: P}}, {method: {regex: "DELETE|PATCH"}}, {method: {exact: OPTIONS}}]
                route: [{destination: {host: reviews, subset: v2}}]
              - name: moved-port
                match: [{uri: {exact: /port}}]
                redirect: {port: 8443}
              - name: moved-request-port
                match: [{uri: {exact: /derived}}]
                redirect: {derivePort: FROM_REQUEST_PORT, scheme: https}
              - name: moved-default
                match: [{uri: {exact: /default}}]
                redirect: {derivePort: FROM_PROTOCOL_DEFAULT, scheme: https}
              - name: moved-80
                match: [{uri: {exact: /eighty}}]
                redirect: {port: 80}
              - name: moved-authority
                match: [{uri: {exact: /elsewhere}}]
                redirect: {authority: other.example, port: 9443, uri: /there}
              - name: split
                headers: {request: {set: {x-route: r}}, response: {add: {x-served: route}}}
                route:
                - destination: {host: reviews, subset: v1}
                  weight: 50
                  headers: {request: {set: {x-dest: v1}, remove: [x-drop]}, response: {set: {x-version: v1}}}
                - destination: {host: reviews, subset: v2}
                  weight: 50
            """;

    static final ProxyIdentity FRONTEND = new ProxyIdentity("frontend", "shop", Map.of("app", "frontend"), "frontend");

    static List<Route> routes(Translation t) {
        VirtualHost vh = t.snapshot().routeTables().get("outbound").select("reviews:9080");
        return vh.routes();
    }

    static Route named(Translation t, String name) { return routes(t).stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow(); }

    static Translation translate() { return TranslatorTest.translate(MESH, FRONTEND); }

    @Test
    void nothingIsLeftUnappliedAndTheValidatorWarnsWhereIstioDiffers() {
        ConfigLoader.Result r = Validator.loadAndValidateString("shop.yaml", MESH);
        assertThat(r.diagnostics()).extracting(Diagnostic::format).containsExactlyInAnyOrder(
                "shop.yaml:25:85: warning: VirtualService/reviews spec.http[0].match[0].queryParams.tag.prefix: Istio's reference lists prefix matches on query parameters as not supported; "
                        + "ficus, like Istio's proxies today, matches the start of the raw value; use exact or regex to stay portable",
                "shop.yaml:31:85: warning: VirtualService/reviews spec.http[2].match[1].ignoreUriCase: ignoreUriCase applies to exact and prefix uri matches only; "
                        + "this regex stays case-sensitive (use (?i) in it)");
        assertThat(translate().notes()).isEmpty();
    }

    @Test
    void queryParamsAreExactRegexPresenceAndPrefix() {
        Route q = named(translate(), "query");
        assertThat(q.match().queryParams()).containsExactly(
                new QueryParamMatch("debug", new StringMatch.Present()),
                new QueryParamMatch("id", new StringMatch.Regex("[0-9]+")),
                new QueryParamMatch("tag", new StringMatch.Prefix("beta")),
                new QueryParamMatch("v", new StringMatch.Exact("2")));
    }

    @Test
    void schemeAndNonExactMethodsArePseudoHeaderMatches() {
        Translation t = translate();
        assertThat(named(t, "tls-only").match().headers()).containsExactly(new HeaderMatch(":scheme", new StringMatch.Exact("https")));
        List<Route> writes = routes(t).stream().filter(r -> r.name().equals("writes")).toList();
        assertThat(writes).hasSize(3);
        assertThat(writes.get(0).match().headers()).containsExactly(new HeaderMatch(":method", new StringMatch.Prefix("P")));
        assertThat(writes.get(1).match().headers()).containsExactly(new HeaderMatch(":method", new StringMatch.Regex("DELETE|PATCH")));
        assertThat(writes.get(2).match().method()).as("an exact method stays the cheap comparison").isEqualTo("OPTIONS");
        assertThat(writes.get(2).match().headers()).isEmpty();
    }

    @Test
    void ignoreUriCaseIsCarriedOnTheMatch() {
        List<Route> c = routes(translate()).stream().filter(r -> r.name().equals("case")).toList();
        assertThat(c).extracting(r -> r.match().ignoreCase()).containsExactly(true, true);
        assertThat(c.get(0).match().path()).isEqualTo(new StringMatch.Prefix("/Api"));
    }

    @Test
    void redirectPortsFollowIstiosTranslation() {
        Translation t = translate();
        assertThat(named(t, "moved-port").action()).isEqualTo(new RouteAction.Redirect(null, null, null, 301, 8443));
        assertThat(named(t, "moved-request-port").action()).as("the route's own port").isEqualTo(new RouteAction.Redirect("https", null, null, 301, 9080));
        assertThat(named(t, "moved-default").action()).isEqualTo(new RouteAction.Redirect("https", null, null, 301, 0));
        assertThat(named(t, "moved-80").action()).as("the default port of http is left out").isEqualTo(new RouteAction.Redirect(null, null, null, 301, 0));
        assertThat(named(t, "moved-authority").action()).isEqualTo(new RouteAction.Redirect(null, "other.example", "/there", 301, 9443));
    }

    @Test
    void eachDestinationCarriesItsOwnHeaderEditsBesideTheRoutes() {
        Route split = named(translate(), "split");
        assertThat(split.requestHeaders().set()).containsExactly(new HeaderMutations.Header("x-route", "r"));
        List<WeightedCluster> dests = ((RouteAction.Forward) split.action()).clusters();
        assertThat(dests.get(0).requestHeaders()).isEqualTo(new HeaderMutations(List.of("x-drop"), List.of(new HeaderMutations.Header("x-dest", "v1")), List.of()));
        assertThat(dests.get(0).responseHeaders().set()).containsExactly(new HeaderMutations.Header("x-version", "v1"));
        assertThat(dests.get(1).requestHeaders()).isEqualTo(HeaderMutations.NONE);
        ProxySnapshot s = translate().snapshot();
        assertThat(s.clusters()).containsKeys(dests.get(0).cluster(), dests.get(1).cluster());
    }
}
