package dev.ficus.control.rollout;

import dev.ficus.api.Kind;
import dev.ficus.api.config.ConfigLoader;
import dev.ficus.api.config.ConfigSet;
import dev.ficus.api.networking.HTTPRoute;
import dev.ficus.api.networking.VirtualService;
import dev.ficus.api.validate.Validator;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The routes as rollouts want them. */
class RolloutOverlayTest {
    private static final String MESH = """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: reviews, namespace: shop}
            spec:
              host: reviews
              subsets:
              - {name: v1, labels: {version: v1}}
              - {name: v2, labels: {version: v2}}
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews, namespace: shop}
            spec:
              hosts: [reviews]
              http:
              - name: admin
                match: [{uri: {prefix: /admin}}]
                route: [{destination: {host: admin}}]
              - name: primary
                timeout: 3s
                route:
                - destination: {host: reviews, subset: v1}
                  headers: {request: {set: {x-served-by: v1}}}
            ---
            """;

    private static ConfigSet load(String rollout) {
        ConfigLoader.Result r = Validator.loadAndValidateString("mesh.yaml", MESH + rollout);
        assertThat(r.diagnostics().stream().filter(d -> d.isError()).map(d -> d.format())).isEmpty();
        return Validator.effective(r.config());
    }

    private static RolloutState state(String name, Progress p, Map<String, Progress> routes) {
        return new RolloutState("shop", name, "canary", "r1", p, routes, null, List.of());
    }

    private static VirtualService vs(ConfigSet c) {
        return c.find(Kind.VIRTUAL_SERVICE, "shop", "reviews").orElseThrow().as(VirtualService.class).spec();
    }

    private static final String CANARY = """
            apiVersion: mesh.ficus.dev/v1alpha1
            kind: Rollout
            metadata: {name: reviews, namespace: shop}
            spec:
              virtualService: reviews
              stable: {host: reviews, subset: v1}
              canary: {host: reviews, subset: v2}
              strategy:
                canary:
                  stepWeight: 20
                  match: [{headers: {x-canary: {exact: "1"}}}]
            """;

    @Test
    void weightsSplitTheDrivenRouteOnlyAndTheRolloutIsNotTranslated() {
        ConfigSet c = load(CANARY);
        ConfigSet out = RolloutOverlay.apply(c, Map.of("shop/reviews", state("reviews", Progress.start(0).traffic(20, false), Map.of())));
        VirtualService vs = vs(out);
        assertThat(vs.http()).hasSize(2);
        assertThat(vs.http().getFirst()).isEqualTo(vs(c).http().getFirst());
        HTTPRoute primary = vs.http().get(1);
        assertThat(primary.timeout()).as("the route's other fields stay").hasSeconds(3);
        assertThat(primary.route()).extracting(d -> d.destination().subset() + "=" + d.weight()).containsExactly("v1=80", "v2=20");
        assertThat(primary.route().getFirst().headers()).as("stable keeps its header operations").isNotNull();
        assertThat(out.all(Kind.ROLLOUT)).isEmpty();
        assertThat(out.find(Kind.VIRTUAL_SERVICE, "shop", "reviews").orElseThrow().origin())
                .isSameAs(c.find(Kind.VIRTUAL_SERVICE, "shop", "reviews").orElseThrow().origin());
    }

    @Test
    void previewRouteGoesFirstAndTerminalPhasesPinTheWeights() {
        ConfigSet c = load(CANARY);
        VirtualService preview = vs(RolloutOverlay.apply(c, Map.of("shop/reviews", state("reviews", Progress.start(0).traffic(0, true), Map.of()))));
        assertThat(preview.http()).extracting(HTTPRoute::name).containsExactly("admin", "primary-preview", "primary");
        assertThat(preview.http().get(1).match().getFirst().headers()).containsKey("x-canary");
        assertThat(preview.http().get(1).route()).extracting(d -> d.weight()).containsExactly(0, 100);

        VirtualService succeeded = vs(RolloutOverlay.apply(c, Map.of("shop/reviews",
                state("reviews", Progress.start(0).traffic(40, false).phase(Phase.SUCCEEDED, ""), Map.of()))));
        assertThat(succeeded.http().get(1).route()).extracting(d -> d.weight()).containsExactly(0, 100);
        VirtualService back = vs(RolloutOverlay.apply(c, Map.of("shop/reviews",
                state("reviews", Progress.start(0).traffic(40, true).rolledBack(Phase.ROLLED_BACK, ""), Map.of()))));
        assertThat(back.http()).hasSize(2);
        assertThat(back.http().get(1).route()).extracting(d -> d.weight()).containsExactly(100, 0);
        assertThat(vs(RolloutOverlay.apply(c, Map.of())).http()).as("no state yet: as written").isEqualTo(vs(c).http());
    }

    @Test
    void stranglerRoutesGoBeforeTheLegacyRoutes() {
        ConfigSet c = load("""
                apiVersion: mesh.ficus.dev/v1alpha1
                kind: Rollout
                metadata: {name: strangle, namespace: shop}
                spec:
                  virtualService: reviews
                  stable: {host: reviews, subset: v1}
                  strategy:
                    strangler:
                      routes:
                      - name: ratings
                        match: [{uri: {prefix: /ratings}}]
                        destination: {host: reviews, subset: v2}
                        migrate: true
                      - name: stars
                        match: [{uri: {prefix: /stars}}]
                        destination: {host: reviews, subset: v2}
                        migrate: true
                      - name: later
                        match: [{uri: {prefix: /later}}]
                        destination: {host: reviews, subset: v2}
                """);
        ConfigSet out = RolloutOverlay.apply(c, Map.of("shop/strangle", state("strangle", Progress.start(0), Map.of(
                "ratings", Progress.start(0).phase(Phase.SUCCEEDED, ""),
                "stars", Progress.start(0).traffic(25, false)))));
        VirtualService vs = vs(out);
        assertThat(vs.http()).extracting(HTTPRoute::name).containsExactly("strangler-ratings", "strangler-stars", "admin", "primary");
        assertThat(vs.http().getFirst().route()).extracting(d -> d.destination().subset() + "=" + d.weight()).containsExactly("v2=100");
        assertThat(vs.http().get(1).route()).extracting(d -> d.destination().subset() + "=" + d.weight()).containsExactly("v1=75", "v2=25");
        assertThat(vs.http().getFirst().match().getFirst().uri().prefix()).isEqualTo("/ratings");
        assertThat(vs.http().getFirst().timeout()).as("moved routes keep the legacy route's policy").hasSeconds(3);
    }

    @Test
    void aStranglerWithAFallbackStaysForTheTranslator() {
        String rollout = """
                apiVersion: mesh.ficus.dev/v1alpha1
                kind: Rollout
                metadata: {name: strangle, namespace: shop}
                spec:
                  virtualService: reviews
                  stable: {host: reviews, subset: v1}
                  strategy:
                    strangler:
                      routes:
                      - name: ratings
                        match: [{uri: {prefix: /ratings}}]
                        destination: {host: reviews, subset: v2}
                        migrate: true
                """;
        Map<String, RolloutState> st = Map.of("shop/strangle", state("strangle", Progress.start(0), Map.of("ratings", Progress.start(0).phase(Phase.SUCCEEDED, ""))));
        assertThat(RolloutOverlay.apply(load(rollout), st).all(Kind.ROLLOUT)).isEmpty();
        assertThat(RolloutOverlay.apply(load(rollout + "      fallback: {}\n"), st).all(Kind.ROLLOUT)).hasSize(1);
        assertThat(RolloutOverlay.apply(load(rollout + "      fallback: {enabled: false}\n"), st).all(Kind.ROLLOUT)).isEmpty();
    }
}
