package dev.ficus.xds.translate;

import dev.ficus.api.config.ConfigLoader;
import dev.ficus.api.validate.Validator;
import dev.ficus.xds.snapshot.ListenerConfig;
import dev.ficus.xds.snapshot.ListenerKind;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.snapshot.TelemetryPolicy.AccessLog;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Telemetry accessLogging → the access-log policy of inbound (SERVER) and outbound (CLIENT)
 * listeners: most specific level wins, disabled turns off, and no entry leaves the proxy's default.
 */
class AccessLogTranslatorTest {

    static final String SIDECAR = """
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: {name: reviews, namespace: shop}
            spec:
              workloadSelector: {labels: {app: reviews}}
              ingress:
              - {port: {number: 9080, protocol: HTTP, name: http}, defaultEndpoint: "127.0.0.1:19080"}
            """;

    /** The policy of the inbound and of the outbound listener, in that order. */
    static AccessLog[] policies(String telemetry) {
        ConfigLoader.Result r = Validator.loadAndValidateString("t.yaml", SIDECAR + (telemetry.isEmpty() ? "" : "---\n" + telemetry));
        assertThat(r.hasErrors()).as(r.diagnostics().toString()).isFalse();
        ProxySnapshot s = Translator.translate(Validator.effective(r.config()), new ProxyIdentity("reviews-v1", "shop", Map.of("app", "reviews"), null),
                TranslateOptions.DEFAULTS).snapshot();
        AccessLog in = null, out = null;
        for (ListenerConfig l : s.listeners()) {
            if (l.kind() == ListenerKind.INBOUND) in = l.telemetry().accessLog();
            else if (l.kind() == ListenerKind.OUTBOUND) out = l.telemetry().accessLog();
        }
        return new AccessLog[]{in, out};
    }

    static String telemetry(String ns, String selector, String accessLogging) {
        return "apiVersion: telemetry.istio.io/v1\nkind: Telemetry\nmetadata: {name: t-" + Math.abs((ns + selector).hashCode()) + ", namespace: " + ns + "}\nspec:\n"
                + (selector == null ? "" : "  selector: {matchLabels: {" + selector + "}}\n")
                + "  accessLogging:\n" + accessLogging;
    }

    static AccessLog on(String filter) { return new AccessLog(AccessLog.State.ON, filter); }

    @Test
    void withoutTelemetryTheProxysDefaultDecides() {
        assertThat(policies("")).containsExactly(AccessLog.DEFAULT, AccessLog.DEFAULT);
    }

    @Test
    void aMeshEntryTurnsBothDirectionsOnAndAWorkloadEntryTurnsOneOff() {
        String mesh = telemetry("istio-system", null, "  - providers: [{name: envoy}]\n");
        assertThat(policies(mesh)).containsExactly(AccessLog.ALL, AccessLog.ALL);
        String quietServer = telemetry("shop", "app: reviews", "  - {match: {mode: SERVER}, disabled: true}\n");
        assertThat(policies(mesh + "---\n" + quietServer)).containsExactly(AccessLog.OFF, AccessLog.ALL);
    }

    @Test
    void theMostSpecificEntryBringsItsOwnFilter() {
        String mesh = telemetry("istio-system", null, "  - filter: {expression: 'response.code >= 400'}\n");
        String ns = telemetry("shop", null, "  - match: {mode: CLIENT}\n    filter: {expression: 'response.code >= 500'}\n");
        assertThat(policies(mesh + "---\n" + ns)).containsExactly(on("response.code >= 400"), on("response.code >= 500"));
        String workload = telemetry("shop", "app: reviews", "  - providers: [{name: envoy}]\n");
        assertThat(policies(mesh + "---\n" + ns + "---\n" + workload)).as("no filter: every request, not the parent's filter")
                .containsExactly(AccessLog.ALL, AccessLog.ALL);
    }

    @Test
    void anEntryForOneDirectionLeavesTheOtherToTheProxy() {
        String server = telemetry("shop", null, "  - {match: {mode: SERVER}, filter: {expression: 'response.code >= 500'}}\n");
        assertThat(policies(server)).containsExactly(on("response.code >= 500"), AccessLog.DEFAULT);
        String offThenOn = telemetry("istio-system", null, "  - {disabled: true}\n  - {match: {mode: CLIENT}, disabled: false}\n");
        assertThat(policies(offThenOn)).as("the last entry for a direction wins").containsExactly(AccessLog.OFF, AccessLog.ALL);
    }
}
