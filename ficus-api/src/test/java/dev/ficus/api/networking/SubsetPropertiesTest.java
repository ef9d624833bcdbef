package dev.ficus.api.networking;

import dev.ficus.api.config.Diagnostic;
import dev.ficus.api.validate.Validator;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.From;
import net.jqwik.api.constraints.Size;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * DestinationRule subsets as Istio's validation takes them (validateSubset: the name, the labels'
 * syntax, the traffic policy): any number of labels is valid, none included — such a subset is
 * every endpoint of the host.
 */
class SubsetPropertiesTest {

    private static List<String> errors(List<Map<String, String>> subsets, boolean withPolicy) {
        StringBuilder y = new StringBuilder("""
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata:
                  name: reviews
                spec:
                  host: reviews
                  subsets:
                """);
        for (int i = 0; i < subsets.size(); i++) {
            y.append("  - name: s").append(i).append('\n');
            if (!subsets.get(i).isEmpty()) {
                y.append("    labels:\n");
                subsets.get(i).forEach((k, v) -> y.append("      ").append(k).append(": ").append(v).append('\n'));
            }
            if (withPolicy) y.append("    trafficPolicy:\n      loadBalancer:\n        simple: LEAST_REQUEST\n");
        }
        return Validator.loadAndValidateString("reviews.yaml", y.toString()).diagnostics().stream()
                .filter(Diagnostic::isError).map(Diagnostic::format).toList();
    }

    @Provide
    Arbitrary<Map<String, String>> labels() {
        Arbitrary<String> word = Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(8);
        return Arbitraries.maps(word, word).ofMaxSize(3);
    }

    @Property
    void subsetsWithAnyLabelsOrNoneAreValid(@ForAll @Size(min = 1, max = 4) List<@From("labels") Map<String, String>> subsets,
                                            @ForAll boolean withPolicy) {
        assertThat(errors(subsets, withPolicy)).isEmpty();
    }

    @Property(tries = 1)
    void aSubsetWithoutLabelsIsValid() {
        assertThat(errors(List.of(Map.of()), false)).isEmpty();
        assertThat(errors(List.of(Map.of("version", "v1"), Map.of()), true)).isEmpty();
    }
}
