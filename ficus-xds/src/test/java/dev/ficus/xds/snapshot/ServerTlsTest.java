package dev.ficus.xds.snapshot;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How a TLS server of a listener matches a ClientHello's SNI (Envoy's filter chain ranking). */
class ServerTlsTest {
    static ServerTls server(String... hosts) {
        return new ServerTls(List.of(hosts), "t", ServerTls.Mode.SIMPLE, "c.pem", "k.pem", null, null, null, null, null, null, null, null);
    }

    @Test
    void anExactNameBeatsAWildcardWhichBeatsAStar() {
        ServerTls star = server("*"), wide = server("*.example.com"), narrow = server("*.shop.example.com"), exact = server("a.shop.example.com");
        String sni = "A.Shop.Example.com";
        assertThat(exact.specificity(sni)).isGreaterThan(narrow.specificity(sni));
        assertThat(narrow.specificity(sni)).isGreaterThan(wide.specificity(sni));
        assertThat(wide.specificity(sni)).isGreaterThan(star.specificity(sni));
        assertThat(star.specificity(sni)).isZero();
        assertThat(wide.serves("example.com")).isFalse();
        assertThat(exact.serves("b.shop.example.com")).isFalse();
        assertThat(exact.serves(null)).isFalse();
    }

    @Test
    void modesThatPresentFilesNeedThem() {
        assertThatThrownBy(() -> new ServerTls(List.of("*"), "t", ServerTls.Mode.SIMPLE, null, "k.pem", null, null, null, null, null, null, null, null))
                .hasMessageContaining("serverCertificate");
        assertThatThrownBy(() -> new ServerTls(List.of("*"), "t", ServerTls.Mode.MUTUAL, "c.pem", "k.pem", null, null, null, null, null, null, null, null))
                .hasMessageContaining("caCertificates");
        assertThat(new ServerTls(List.of("*"), "t", ServerTls.Mode.ISTIO_MUTUAL, null, null, null, null, null, null, null, null, null, null).catchAll()).isTrue();
    }

    @Property
    void aWildcardServesEverySubdomainInAnyCaseAndNothingElse(@ForAll @AlphaChars @StringLength(min = 1, max = 12) String label,
                                                              @ForAll @AlphaChars @StringLength(min = 1, max = 12) String domain) {
        ServerTls s = server("*." + domain.toLowerCase(Locale.ROOT) + ".com");
        assertThat(s.serves(label + "." + domain + ".com")).isTrue();
        assertThat(s.serves(label.toUpperCase(Locale.ROOT) + "." + domain.toUpperCase(Locale.ROOT) + ".COM")).isTrue();
        assertThat(s.serves(domain + ".com")).isFalse();
        assertThat(s.serves(label + "." + domain + ".org")).isFalse();
    }
}
