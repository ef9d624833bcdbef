package dev.ficus.api.security;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JsonTest {

    @Test
    void readsAKeySet() {
        Object doc = Json.parse(" {\"keys\": [{\"kty\": \"RSA\", \"e\": \"AQAB\", \"n\": 1.5e3, \"x\": [true, false, null], \"s\": \"a\\u0041\\n\"}]} ");
        Map<?, ?> key = (Map<?, ?>) ((List<?>) ((Map<?, ?>) doc).get("keys")).getFirst();
        assertThat(key.get("kty")).isEqualTo("RSA");
        assertThat(key.get("n")).isEqualTo(1500.0);
        assertThat(key.get("s")).isEqualTo("aA\n");
    }

    @Test
    void refusesWhatIsNotJson() {
        for (String bad : new String[] {"", "{", "{'a': 1}", "[1,]", "{\"a\": 01}", "{\"a\" 1}", "tru", "{} x", "\"a"}) {
            assertThatThrownBy(() -> Json.parse(bad)).as(bad).isInstanceOf(Json.JsonException.class);
        }
    }
}
