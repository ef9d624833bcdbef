package dev.ficus.api.security;

import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IpBlockTest {

    @Property
    void aBlockContainsEveryAddressSharingItsPrefix(@ForAll int base, @ForAll int other, @ForAll @IntRange(min = 0, max = 32) int prefix) {
        IpBlock block = new IpBlock(bytes(base), prefix);
        int mask = prefix == 0 ? 0 : -1 << (32 - prefix);
        assertThat(block.contains(bytes(other))).isEqualTo((base & mask) == (other & mask));
    }

    @Property
    void networkFormParsesBack(@ForAll int base, @ForAll @IntRange(min = 0, max = 32) int prefix) {
        IpBlock block = new IpBlock(bytes(base), prefix);
        IpBlock again = IpBlock.parse(block.network());
        assertThat(again.hasHostBits()).isFalse();
        assertThat(again.contains(bytes(base))).isTrue();
    }

    @Example
    void parsesAddressesAndCidrs() {
        assertThat(IpBlock.parse("203.0.113.4").prefixLength()).isEqualTo(32);
        assertThat(IpBlock.parse("2001:db8::1").prefixLength()).isEqualTo(128);
        assertThat(IpBlock.parse("2001:db8::/32").contains(IpBlock.parse("2001:db8:1::5").address())).isTrue();
        assertThat(IpBlock.parse("10.0.0.1/8").hasHostBits()).isTrue();
        assertThat(IpBlock.parse("10.0.0.1/8").network()).isEqualTo("10.0.0.0/8");
        assertThat(IpBlock.parse("10.0.0.0/8").contains(IpBlock.parse("2001:db8::1").address())).isFalse();
        for (String bad : new String[] {"", "10.0.0", "010.0.0.1", "256.0.0.1", "10.0.0.0/33", "10.0.0.0/", "host.example", "::ffff:10.0.0.1", "1::2::3"}) {
            assertThatThrownBy(() -> IpBlock.parse(bad)).as(bad).isInstanceOf(IpBlock.IpBlockFormatException.class);
        }
    }

    private static byte[] bytes(int v) {
        return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }
}
