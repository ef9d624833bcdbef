package dev.ficus.api.validate;

import dev.ficus.api.Kind;
import dev.ficus.api.config.ConfigLoader;
import dev.ficus.api.config.Diagnostic;
import dev.ficus.api.security.AuthorizationPolicy;
import dev.ficus.api.security.JWTRule;
import dev.ficus.api.security.PeerAuthentication;
import dev.ficus.api.security.RequestAuthentication;
import dev.ficus.api.telemetry.MetricSelector;
import dev.ficus.api.telemetry.Telemetry;
import org.junit.jupiter.api.Test;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Configurations in the shapes of Istio's security and telemetry docs load with no error and bind every field. */
class SecuritySamplesTest {

    private static ConfigLoader.Result load(String dir) throws URISyntaxException {
        Path p = Path.of(SecuritySamplesTest.class.getResource(dir).toURI());
        return Validator.loadAndValidate(List.of(p.toString()), System.in);
    }

    @Test
    void securitySamplesValidateWithoutErrorsOrWarnings() throws URISyntaxException {
        ConfigLoader.Result result = load("/valid/security");
        assertThat(result.diagnostics().stream().map(Diagnostic::format)).isEmpty();
        assertThat(result.config().size()).isEqualTo(10);
    }

    @Test
    void telemetrySamplesValidateWithoutErrorsOrWarnings() throws URISyntaxException {
        ConfigLoader.Result result = load("/valid/telemetry");
        assertThat(result.diagnostics().stream().map(Diagnostic::format)).isEmpty();
        assertThat(result.config().size()).isEqualTo(2);
    }

    @Test
    void peerAuthenticationBindsModesAndPorts() throws URISyntaxException {
        var all = load("/valid/security").config().all(Kind.PEER_AUTHENTICATION, PeerAuthentication.class);
        PeerAuthentication finance = all.stream().filter(r -> r.name().equals("finance")).findFirst().orElseThrow().spec();
        assertThat(finance.isNamespaceWide()).isFalse();
        assertThat(finance.mode()).isEqualTo(PeerAuthentication.Mode.UNSET);
        assertThat(finance.portMode(8080)).isEqualTo(PeerAuthentication.Mode.DISABLE);
        assertThat(finance.portMode(9090)).isEqualTo(PeerAuthentication.Mode.UNSET);
        PeerAuthentication mesh = all.getFirst().spec();
        assertThat(mesh.isNamespaceWide()).isTrue();
        assertThat(mesh.portMode(8080)).isEqualTo(PeerAuthentication.Mode.STRICT);
    }

    @Test
    void authorizationPolicyBindsRules() throws URISyntaxException {
        var all = load("/valid/security").config().all(Kind.AUTHORIZATION_POLICY, AuthorizationPolicy.class);
        AuthorizationPolicy httpbin = all.getFirst().spec();
        assertThat(httpbin.actionOrDefault()).isEqualTo(AuthorizationPolicy.Action.ALLOW);
        assertThat(httpbin.rules().getFirst().from().getFirst().source().principals()).containsExactly("cluster.local/ns/default/sa/sleep");
        assertThat(httpbin.rules().getFirst().to().get(1).operation().paths()).containsExactly("/data");
        assertThat(httpbin.rules().getFirst().when().getFirst().key()).isEqualTo("request.auth.claims[iss]");
        AuthorizationPolicy nothing = all.stream().filter(r -> r.name().equals("allow-nothing")).findFirst().orElseThrow().spec();
        assertThat(nothing.matchesNothing()).isTrue();
        AuthorizationPolicy everything = all.stream().filter(r -> r.name().equals("allow-all")).findFirst().orElseThrow().spec();
        assertThat(everything.rules().getFirst().matchesEverything()).isTrue();
    }

    @Test
    void requestAuthenticationBindsJwtRules() throws URISyntaxException {
        var ra = load("/valid/security").config().all(Kind.REQUEST_AUTHENTICATION, RequestAuthentication.class).getFirst().spec();
        JWTRule first = ra.jwtRules().getFirst();
        assertThat(first.headersOrDefault()).singleElement().satisfies(h -> {
            assertThat(h.name()).isEqualTo("Authorization");
            assertThat(h.prefix()).isEqualTo("Bearer ");
        });
        assertThat(first.paramsOrDefault()).containsExactly("access_token");
        JWTRule second = ra.jwtRules().get(1);
        assertThat(second.timeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(second.forwardsOriginalToken()).isTrue();
        assertThat(second.headersOrDefault()).hasSize(2);
        assertThat(second.fromCookies()).containsExactly("session");
    }

    @Test
    void telemetryBindsEverySection() throws URISyntaxException {
        Telemetry mesh = load("/valid/telemetry").config().all(Kind.TELEMETRY, Telemetry.class).getFirst().spec();
        assertThat(mesh.tracing().getFirst().randomSamplingPercentage()).isEqualTo(10.0);
        assertThat(mesh.tracing().getFirst().customTags()).containsKeys("my_tag_header", "my_tag_env", "my_tag_literal");
        assertThat(mesh.metrics().getFirst().reportingInterval()).isEqualTo(Duration.ofSeconds(15));
        assertThat(mesh.metrics().getFirst().overrides().getFirst().match().selects(MetricSelector.IstioMetric.REQUEST_COUNT)).isTrue();
        assertThat(mesh.accessLogging().getFirst().filter().expression()).isEqualTo("response.code >= 400");
    }

    @Test
    void laterFilesReplacingAPolicyAreNotConflicts() {
        String yaml = """
                apiVersion: security.istio.io/v1
                kind: PeerAuthentication
                metadata: {name: default, namespace: shop}
                spec: {mtls: {mode: STRICT}}
                """;
        var result = Validator.loadAndValidateString("a.yaml", yaml + "---\n" + yaml.replace("STRICT", "PERMISSIVE"));
        // The same name twice in one file is the duplicate-name error, not a scope conflict.
        assertThat(result.diagnostics().stream().map(Diagnostic::format))
                .singleElement().asString().contains("duplicate PeerAuthentication 'default'");
    }
}
