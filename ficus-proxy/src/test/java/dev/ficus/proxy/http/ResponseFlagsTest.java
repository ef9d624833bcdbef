package dev.ficus.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/** Envoy's rendering of a set of response flags. */
class ResponseFlagsTest {
    @Test
    void noneOneAndSeveralAreWrittenAsEnvoyWritesThem() {
        assertThat(ResponseFlags.names(ResponseFlags.NONE)).isEqualTo("-");
        assertThat(ResponseFlags.names(ResponseFlags.of(ResponseFlag.UT))).isEqualTo("UT");
        assertThat(ResponseFlags.names(ResponseFlags.with(ResponseFlags.of(ResponseFlag.URX), ResponseFlag.UT))).isEqualTo("UT,URX");
        assertThat(ResponseFlags.names(ResponseFlags.with(ResponseFlags.of(ResponseFlag.UF), ResponseFlag.URX))).isEqualTo("UF,URX");
        assertThat(ResponseFlags.names(ResponseFlags.with(ResponseFlags.of(ResponseFlag.UPE), ResponseFlag.URX))).as("Envoy's order, not ficus's").isEqualTo("URX,UPE");
        assertThat(ResponseFlags.with(ResponseFlags.of(ResponseFlag.UT), null)).isEqualTo(ResponseFlags.of(ResponseFlag.UT));
    }

    @Property
    void everyFlagOfASetIsWrittenOnce(@ForAll Set<ResponseFlag> flags) {
        int mask = ResponseFlags.NONE;
        for (ResponseFlag f : flags) mask = ResponseFlags.with(mask, f);
        String names = ResponseFlags.names(mask);
        if (flags.isEmpty()) {
            assertThat(names).isEqualTo("-");
            return;
        }
        EnumSet<ResponseFlag> back = EnumSet.noneOf(ResponseFlag.class);
        for (String n : names.split(",")) assertThat(back.add(ResponseFlag.valueOf(n))).as(names).isTrue();
        assertThat(back).isEqualTo(flags);
    }
}
