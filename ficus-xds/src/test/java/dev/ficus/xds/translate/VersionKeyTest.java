package dev.ficus.xds.translate;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The identity and options a snapshot's version covers: every component, in one stable text. */
class VersionKeyTest {

    @Test
    void everyComponentOfTheIdentityChangesItsKey() {
        ProxyIdentity base = new ProxyIdentity("a", "ns", Map.of("app", "x"), "sa");
        assertThat(ProxyIdentity.class.getRecordComponents())
                .as("a new component of ProxyIdentity must be part of key(), and of this test")
                .hasSize(4);
        assertThat(new ProxyIdentity("b", "ns", Map.of("app", "x"), "sa").key()).isNotEqualTo(base.key());
        assertThat(new ProxyIdentity("a", "other", Map.of("app", "x"), "sa").key()).isNotEqualTo(base.key());
        assertThat(new ProxyIdentity("a", "ns", Map.of("app", "y"), "sa").key()).isNotEqualTo(base.key());
        assertThat(new ProxyIdentity("a", "ns", Map.of("app", "x", "v", "1"), "sa").key()).isNotEqualTo(base.key());
        assertThat(new ProxyIdentity("a", "ns", Map.of("app", "x"), "other").key()).isNotEqualTo(base.key());
    }

    @Test
    void labelsInAnyOrderGiveTheSameKey() {
        Map<String, String> one = new LinkedHashMap<>(), two = new LinkedHashMap<>();
        for (int i = 0; i < 20; i++) one.put("k" + i, "v" + i);
        for (int i = 19; i >= 0; i--) two.put("k" + i, "v" + i);
        assertThat(new ProxyIdentity("a", "ns", one, "sa").key()).isEqualTo(new ProxyIdentity("a", "ns", two, "sa").key());
    }

    @Test
    void everyComponentOfTheOptionsChangesItsKey() {
        TranslateOptions base = TranslateOptions.DEFAULTS;
        assertThat(TranslateOptions.class.getRecordComponents())
                .as("a new component of TranslateOptions must be part of key(), and of this test")
                .hasSize(4);
        assertThat(new TranslateOptions("127.0.0.2", 15001, "0.0.0.0", "0.0.0.0").key()).isNotEqualTo(base.key());
        assertThat(base.withOutboundPort(15002).key()).isNotEqualTo(base.key());
        assertThat(new TranslateOptions("127.0.0.1", 15001, "127.0.0.1", "0.0.0.0").key()).isNotEqualTo(base.key());
        assertThat(new TranslateOptions("127.0.0.1", 15001, "0.0.0.0", "127.0.0.1").key()).isNotEqualTo(base.key());
    }
}
