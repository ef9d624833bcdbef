package dev.ficus.api;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Example;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SpiffeIdTest {

    @Provide
    Arbitrary<SpiffeId> ids() {
        Arbitrary<String> label = Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyz0123456789-_").ofMinLength(1).ofMaxLength(20);
        Arbitrary<String> td = label.list().ofMinSize(1).ofMaxSize(4).map(l -> String.join(".", l));
        Arbitrary<String> segment = Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
                .ofMinLength(1).ofMaxLength(30).filter(s -> !s.equals(".") && !s.equals(".."));
        return Combinators.combine(td, segment, segment).as(SpiffeId::new);
    }

    @Property
    void uriRoundTrips(@ForAll("ids") SpiffeId id) {
        assertThat(SpiffeId.parse(id.uri())).isEqualTo(id);
        assertThat(id.uri()).isEqualTo("spiffe://" + id.principal());
    }

    @Property
    void principalRoundTrips(@ForAll("ids") SpiffeId id) {
        assertThat(SpiffeId.parsePrincipal(id.principal())).isEqualTo(id);
        assertThat(SpiffeId.principalProblem(id.principal())).isEmpty();
    }

    @Property
    void aPrincipalWithItsSchemeIsRefusedWithTheFix(@ForAll("ids") SpiffeId id) {
        assertThat(SpiffeId.principalProblem(id.uri())).hasValueSatisfying(m -> assertThat(m).contains("'" + id.principal() + "'"));
    }

    @Property
    void uppercaseTrustDomainsAreRefused(@ForAll("ids") SpiffeId id) {
        String upper = id.trustDomain().toUpperCase() + "/ns/" + id.namespace() + "/sa/" + id.serviceAccount();
        if (!upper.startsWith(id.trustDomain())) { // some letter was changed
            assertThat(SpiffeId.principalProblem(upper)).hasValueSatisfying(m -> assertThat(m).contains("lowercase"));
        }
    }

    @Property
    void parsingNeverThrowsAnythingButItsOwnException(@ForAll String text) {
        try {
            SpiffeId.parse(text);
        } catch (SpiffeId.InvalidSpiffeIdException expected) {
            assertThat(expected.getMessage()).isNotBlank();
        }
    }

    @Example
    void refusesMalformedIds() {
        assertThatThrownBy(() -> SpiffeId.parse("spiffe://cluster.local/ns//sa/x")).hasMessageContaining("empty namespace");
        assertThatThrownBy(() -> SpiffeId.parse("spiffe://cluster.local/ns/a/sa/b/c")).hasMessageContaining("not of the form");
        assertThatThrownBy(() -> SpiffeId.parse("spiffe://clu ster/ns/a/sa/b")).hasMessageContaining("trust domain");
        assertThatThrownBy(() -> SpiffeId.parse("spiffe://td/ns/../sa/b")).hasMessageContaining("must not be '..'");
        assertThatThrownBy(() -> SpiffeId.parse("http://td/ns/a/sa/b")).hasMessageContaining("spiffe://");
        assertThat(SpiffeId.parse("spiffe://cluster.local/ns/default/sa/sleep").principal()).isEqualTo("cluster.local/ns/default/sa/sleep");
    }
}
