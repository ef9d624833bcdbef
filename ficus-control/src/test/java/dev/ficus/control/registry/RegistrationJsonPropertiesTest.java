package dev.ficus.control.registry;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Whatever a registering system sends, the API answers 200, 201 or a clean 400 — it never throws. */
class RegistrationJsonPropertiesTest {
    private static final HealthChecker HEALTH = new HealthChecker(new ManualClock(Instant.EPOCH), 1);
    private static final WorkloadRegistry REGISTRY =
            new WorkloadRegistry(new ManualClock(Instant.EPOCH), HEALTH, Duration.ofHours(1));
    private static final RegistryApi API = new RegistryApi(REGISTRY);

    private static final String VALID = """
            {"name":"billing-1","namespace":"shop","address":"127.0.0.1","ports":{"http":19200},
             "labels":{"app":"billing"},"serviceAccount":"billing","ttl":"30s",
             "probe":{"httpGet":{"path":"/healthz","port":19200},"periodSeconds":5,"timeoutSeconds":1,"failureThreshold":3}}""";

    @AfterContainer
    static void close() {
        REGISTRY.close();
        HEALTH.close();
    }

    @Property(tries = 500)
    void randomTextGetsACleanAnswer(@ForAll("noise") String body) {
        assertCleanAnswer(body);
    }

    @Property(tries = 1000)
    void garbledRegistrationsGetACleanAnswer(@ForAll("garbled") String body) {
        assertCleanAnswer(body);
    }

    @Property(tries = 1000)
    void wrongValuesInEveryFieldGetACleanAnswer(@ForAll("wrongValues") String body) {
        assertCleanAnswer(body);
    }

    @Property(tries = 300)
    void validRegistrationsAreReadBackExactly(@ForAll("names") String name, @ForAll("names") String namespace,
                                              @ForAll("ports") int port, @ForAll("names") String label) throws Exception {
        String body = "{\"name\":\"" + name + "\",\"namespace\":\"" + namespace + "\",\"address\":\"10.1.2.3\","
                + "\"ports\":{\"p\":" + port + "},\"labels\":{\"app\":\"" + label + "\"}}";
        Registration r = RegistrationJson.parse(body);
        assertThat(r).isEqualTo(Registration.builder(name, "10.1.2.3").namespace(namespace).port("p", port)
                .label("app", label).build());
    }

    private static void assertCleanAnswer(String body) {
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/v1/workloads",
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        FullHttpResponse response = API.handle(request);
        try {
            int status = response.status().code();
            assertThat(status).isIn(200, 201, 400);
            JsonElement json = JsonParser.parseString(response.content().toString(StandardCharsets.UTF_8));
            if (status == 400) {
                assertThat(json.getAsJsonObject().get("error").getAsString()).isNotBlank();
            } else {
                assertThat(json.getAsJsonObject().get("expiresAt").getAsString()).isNotBlank();
            }
        } finally {
            request.release();
            response.release();
        }
    }

    @Provide
    Arbitrary<String> noise() {
        Arbitrary<String> jsonish = Arbitraries.strings().withChars("{}[]\":,0123456789.eE-+ tnrufalse\\/\n").ofMaxLength(80);
        return Arbitraries.oneOf(Arbitraries.strings().all().ofMaxLength(80), jsonish);
    }

    @Provide
    Arbitrary<String> garbled() {
        Arbitrary<Integer> at = Arbitraries.integers().between(0, VALID.length() - 1);
        Arbitrary<Character> c = Arbitraries.of('{', '}', '[', ']', '"', ':', ',', '1', 'x', '\\', ' ', '\u0000', 'é');
        Arbitrary<String> once = Combinators.combine(at, c, Arbitraries.integers().between(0, 2))
                .as((i, ch, op) -> switch (op) {
                    case 0 -> VALID.substring(0, i) + VALID.substring(i + 1);
                    case 1 -> VALID.substring(0, i) + ch + VALID.substring(i);
                    default -> VALID.substring(0, i) + ch + VALID.substring(i + 1);
                });
        Arbitrary<String> cut = at.map(i -> VALID.substring(0, i));
        return Arbitraries.oneOf(once, cut);
    }

    @Provide
    Arbitrary<String> wrongValues() {
        Arbitrary<String> value = Arbitraries.of("null", "true", "0", "-1", "65536", "1e999999999", "-0", "1.5",
                "99999999999999999999", "\"\"", "\"x\"", "\"30s\"", "\"-5s\"", "\"1h1s\"", "\"unix:///x\"", "\"*\"",
                "[]", "[1]", "{}", "{\"a\":1}", "{\"port\":80}", "{\"httpGet\":{}}", "{\"\":\"\"}",
                "{\"a/b/c\":\"v\"}", "\"Billing\"", "\"a.b\"", "\"" + "a".repeat(70) + "\"", "\"10.0.0.1\"");
        List<String> fields = List.of("name", "namespace", "address", "ports", "labels", "serviceAccount", "weight", "ttl",
                "probe", "probe.httpGet", "probe.tcpSocket", "probe.periodSeconds", "probe.timeoutSeconds",
                "probe.failureThreshold", "ports.http", "labels.app", "probe.httpGet.port", "probe.httpGet.path");
        return Combinators.combine(Arbitraries.of(fields), value).as((field, v) -> {
            String base = "{\"name\":\"a\",\"address\":\"10.0.0.1\",\"ports\":{\"http\":80},\"labels\":{\"app\":\"x\"},"
                    + "\"probe\":{\"httpGet\":{\"path\":\"/\",\"port\":80}}}";
            return switch (field) {
                case "ports.http" -> base.replace("{\"http\":80}", "{\"http\":" + v + "}");
                case "labels.app" -> base.replace("{\"app\":\"x\"}", "{\"app\":" + v + "}");
                case "probe.httpGet.port" -> base.replace("\"port\":80", "\"port\":" + v);
                case "probe.httpGet.path" -> base.replace("\"path\":\"/\"", "\"path\":" + v);
                case "probe.httpGet" -> base.replace("\"httpGet\":{\"path\":\"/\",\"port\":80}", "\"httpGet\":" + v);
                default -> field.startsWith("probe.")
                        ? base.replace("\"probe\":{", "\"probe\":{\"" + field.substring(6) + "\":" + v + ",")
                        : base.replaceFirst("\"" + field + "\":(\"[^\"]*\"|\\{[^}]*\\}|\\{\"httpGet\".*\\}\\})", "")
                                .replace("{,", "{").replace(",}", "}").replace(",,", ",")
                                .replaceFirst("^\\{", "{\"" + field + "\":" + java.util.regex.Matcher.quoteReplacement(v) + ",");
            };
        });
    }

    @Provide
    Arbitrary<String> names() {
        Arbitrary<String> edge = Arbitraries.strings().withCharRange('a', 'z').withCharRange('0', '9').ofLength(1);
        Arbitrary<String> middle = Arbitraries.strings().withCharRange('a', 'z').withCharRange('0', '9').withChars('-')
                .ofMaxLength(61);
        return Combinators.combine(edge, middle, edge).as((a, m, b) -> a + m + b);
    }

    @Provide
    Arbitrary<Integer> ports() {
        return Arbitraries.integers().between(1, 65535);
    }
}
