package dev.ficus.control.registry;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RegistrationJsonTest {

    @Test
    void readsEveryFieldWithDefaults() throws Exception {
        Registration r = RegistrationJson.parse("""
                {"name":"billing-1","address":"fd00::7","ports":{"http":19200,"grpc":19201},
                 "labels":{"app":"billing","example.com/tier":""},"weight":5,
                 "probe":{"tcpSocket":{"port":19201}}}
                """);
        assertThat(r.namespace()).isEqualTo("default");
        assertThat(r.address()).isEqualTo("fd00::7");
        assertThat(r.ports()).containsEntry("http", 19200).containsEntry("grpc", 19201);
        assertThat(r.labels()).containsEntry("example.com/tier", "");
        assertThat(r.weight()).isEqualTo(5);
        assertThat(r.ttl()).isEqualTo(Duration.ofSeconds(30));
        assertThat(r.serviceAccount()).isNull();
        assertThat(r.probe()).isEqualTo(Probe.tcp(19201, Duration.ofSeconds(10), Duration.ofSeconds(1), 3));
    }

    @Test
    void nullFieldsCountAsAbsent() throws Exception {
        Registration r = RegistrationJson.parse("{\"name\":\"a\",\"address\":\"10.0.0.1\",\"ttl\":null,\"probe\":null}");
        assertThat(r.ttl()).isEqualTo(Registration.DEFAULT_TTL);
        assertThat(r.probe()).isNull();
    }

    @Test
    void duplicateKeysAreRefusedRatherThanSilentlyOverwritten() {
        assertThatThrownBy(() -> RegistrationJson.parse("{\"name\":\"a\",\"address\":\"10.0.0.1\",\"name\":\"b\"}"))
                .isInstanceOfSatisfying(InvalidRegistrationException.class, e -> {
                    assertThat(e.getMessage()).contains("duplicate key 'name'");
                    assertThat(e.line()).isEqualTo(1);
                });
    }

    @Test
    void contentAfterTheObjectIsRefused() {
        assertThatThrownBy(() -> RegistrationJson.parse("{\"name\":\"a\",\"address\":\"10.0.0.1\"} {}"))
                .isInstanceOfSatisfying(InvalidRegistrationException.class, e -> {
                    assertThat(e.getMessage()).startsWith("malformed JSON at line 1 column");
                    assertThat(e.column()).isPositive();
                });
    }

    @Test
    void lenientJsonIsRefused() {
        assertThatThrownBy(() -> RegistrationJson.parse("{name:'a', address:'10.0.0.1'}"))
                .isInstanceOfSatisfying(InvalidRegistrationException.class, e -> {
                    assertThat(e.getMessage()).startsWith("malformed JSON at line 1 column ")
                            .contains("double quotes");
                    assertThat(e.line()).isEqualTo(1);
                    assertThat(e.field()).isNull();
                });
    }

    @Test
    void hugeNumbersAreRefusedWithoutBeingExpanded() {
        assertThatThrownBy(() -> RegistrationJson.parse("{\"name\":\"a\",\"address\":\"10.0.0.1\",\"weight\":1e999999999}"))
                .isInstanceOfSatisfying(InvalidRegistrationException.class, e -> assertThat(e.field()).isEqualTo("weight"));
    }

    @Test
    void theBodyMustBeAnObject() {
        assertThatThrownBy(() -> RegistrationJson.parse("[]"))
                .isInstanceOfSatisfying(InvalidRegistrationException.class,
                        e -> assertThat(e.getMessage()).isEqualTo("the body must be a JSON object, got an array"));
        assertThatThrownBy(() -> RegistrationJson.parse(""))
                .isInstanceOfSatisfying(InvalidRegistrationException.class, e -> assertThat(e.getMessage()).contains("empty"));
    }

    @Test
    void probeFieldsAreChecked() {
        assertThatThrownBy(() -> RegistrationJson.parse(
                "{\"name\":\"a\",\"address\":\"10.0.0.1\",\"probe\":{\"httpGet\":{\"path\":\"healthz\",\"port\":80}}}"))
                .isInstanceOfSatisfying(InvalidRegistrationException.class,
                        e -> assertThat(e.field()).isEqualTo("probe.httpGet.path"));
        assertThatThrownBy(() -> RegistrationJson.parse(
                "{\"name\":\"a\",\"address\":\"10.0.0.1\",\"probe\":{\"tcpSocket\":{\"port\":80},\"failureThreshold\":0}}"))
                .isInstanceOfSatisfying(InvalidRegistrationException.class,
                        e -> assertThat(e.field()).isEqualTo("probe.failureThreshold"));
    }
}
