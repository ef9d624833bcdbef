package dev.ficus.proxy.authz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ficus.api.security.IpBlock;
import dev.ficus.api.security.StringMatch;
import java.util.Locale;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Istio's match forms, hosts and CIDR blocks against random inputs. */
class MatchersPropertiesTest {

    @Provide
    Arbitrary<String> text() {
        return Arbitraries.strings().withChars("/aAbB.:-*[]0123456789é").ofMaxLength(24);
    }

    @Property
    void anyInputIsDecidedWithoutThrowing(@ForAll("text") String pattern, @ForAll("text") String value) {
        StringMatch.parse(pattern).ifPresent(m -> {
            Matchers.matches(m, value);
            Matchers.matchesHost(m, value);
        });
        assertThat(Matchers.portStart(value)).isBetween(0, value.length());
    }

    @Property
    void prefixAndSuffixFormsMatchExactlyTheStringsThatStartOrEndSo(@ForAll("text") String base, @ForAll("text") String value) {
        if (base.contains("*") || base.isEmpty()) return;
        assertThat(Matchers.matches(StringMatch.parse(base + "*").orElseThrow(), value)).isEqualTo(value.startsWith(base));
        assertThat(Matchers.matches(StringMatch.parse("*" + base).orElseThrow(), value)).isEqualTo(value.endsWith(base));
        assertThat(Matchers.matches(StringMatch.parse(base).orElseThrow(), value)).isEqualTo(value.equals(base));
        assertThat(Matchers.matches(StringMatch.parse("*").orElseThrow(), value)).isEqualTo(!value.isEmpty());
    }

    @Property
    void pathPrefixCoversEverythingUnderIt(@ForAll("segment") String dir, @ForAll("segment") String rest) {
        StringMatch m = StringMatch.parse("/" + dir + "/*").orElseThrow();
        assertThat(Matchers.matches(m, "/" + dir + "/" + rest)).isTrue();
        assertThat(Matchers.matches(m, "/" + dir)).as("Istio's /x/* does not match /x itself").isFalse();
        assertThat(Matchers.matches(m, null)).isFalse();
    }

    @Provide
    Arbitrary<String> segment() { return Arbitraries.strings().alpha().numeric().ofMinLength(1).ofMaxLength(10); }

    @Property
    void hostsIgnoreCaseAndPort(@ForAll("segment") String name, @ForAll @IntRange(min = 1, max = 65535) int port, @ForAll boolean upper) {
        String host = name + ".example.com";
        String sent = (upper ? host.toUpperCase(Locale.ROOT) : host) + ":" + port;
        assertThat(Matchers.matchesHost(StringMatch.parse(host).orElseThrow(), sent)).isTrue();
        assertThat(Matchers.matchesHost(StringMatch.parse("*.example.com").orElseThrow(), sent)).isTrue();
        assertThat(Matchers.matchesHost(StringMatch.parse(host + ":" + port).orElseThrow(), sent)).isTrue();
        assertThat(Matchers.matchesHost(StringMatch.parse("*.example.org").orElseThrow(), sent)).isFalse();
        assertThat(Matchers.matchesHost(StringMatch.parse("[::1]").orElseThrow(), "[::1]:" + port)).isTrue();
    }

    @Property
    void aBlockHoldsExactlyTheAddressesThatShareItsPrefix(@ForAll @Size(4) byte[] network, @ForAll @Size(4) byte[] candidate,
                                                         @ForAll @IntRange(min = 0, max = 32) int prefix) {
        IpBlock b = new IpBlock(network, prefix);
        long n = Integer.toUnsignedLong(java.nio.ByteBuffer.wrap(network).getInt());
        long c = Integer.toUnsignedLong(java.nio.ByteBuffer.wrap(candidate).getInt());
        long mask = prefix == 0 ? 0 : (0xffffffffL << (32 - prefix)) & 0xffffffffL;
        assertThat(Matchers.inAny(new IpBlock[] {b}, candidate)).isEqualTo((n & mask) == (c & mask));
        assertThat(Matchers.inAny(new IpBlock[] {b}, network)).isTrue();
        assertThat(Matchers.inAny(new IpBlock[] {b}, new byte[16])).as("another family").isFalse();
        assertThat(Matchers.inAny(new IpBlock[] {b}, null)).isFalse();
    }

    @Property
    void ipv6BlocksByPrefix(@ForAll @Size(16) byte[] network, @ForAll @IntRange(min = 0, max = 128) int prefix, @ForAll @IntRange(min = 0, max = 127) int flip) {
        IpBlock b = new IpBlock(network, prefix);
        byte[] other = network.clone();
        other[flip / 8] ^= (byte) (0x80 >>> (flip % 8));
        assertThat(Matchers.inAny(new IpBlock[] {b}, network)).isTrue();
        assertThat(Matchers.inAny(new IpBlock[] {b}, other)).isEqualTo(flip >= prefix);
    }
}
