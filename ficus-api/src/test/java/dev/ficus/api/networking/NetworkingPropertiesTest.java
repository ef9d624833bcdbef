package dev.ficus.api.networking;

import dev.ficus.api.config.Diagnostic;
import dev.ficus.api.validate.Validator;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Properties of route weights and host names, as {@code ficus validate} reports them. */
class NetworkingPropertiesTest {

    private static List<String> errors(List<Integer> weights) {
        StringBuilder y = new StringBuilder("""
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata:
                  name: split
                spec:
                  hosts:
                  - reviews
                  http:
                  - route:
                """);
        for (int i = 0; i < weights.size(); i++) {
            y.append("    - destination:\n        host: reviews-").append(i).append("\n      weight: ").append(weights.get(i)).append('\n');
        }
        return Validator.loadAndValidateString("split.yaml", y.toString()).diagnostics().stream()
                .filter(Diagnostic::isError).map(Diagnostic::format).toList();
    }

    @Provide
    Arbitrary<List<Integer>> weightsSummingTo100() {
        return Arbitraries.integers().between(2, 10).flatMap(n ->
                Arbitraries.integers().between(0, 100).list().ofSize(n - 1).map(cuts -> {
                    List<Integer> sorted = new ArrayList<>(cuts);
                    sorted.add(0);
                    sorted.add(100);
                    sorted.sort(Integer::compare);
                    List<Integer> w = new ArrayList<>();
                    for (int i = 1; i < sorted.size(); i++) w.add(sorted.get(i) - sorted.get(i - 1));
                    return w;
                }));
    }

    @Property
    void weightsThatSumTo100NeverError(@ForAll("weightsSummingTo100") List<Integer> weights) {
        assertThat(errors(weights)).isEmpty();
    }

    @Property
    void anyOtherSumErrorsAtTheLastWeight(@ForAll @Size(min = 2, max = 8) List<@IntRange(min = 0, max = 100) Integer> weights) {
        int sum = weights.stream().mapToInt(Integer::intValue).sum();
        List<String> errors = errors(weights);
        if (sum == 100) {
            assertThat(errors).isEmpty();
        } else {
            assertThat(errors).singleElement().asString()
                    .contains("spec.http[0].route[" + (weights.size() - 1) + "].weight: weights must sum to 100, got " + sum);
        }
    }

    @Property
    void shortNamesAndTheirLongFormsNameOneService(@ForAll("labels") String name, @ForAll("labels") String ns) {
        String full = name + "." + ns + ".svc.cluster.local";
        assertThat(Hosts.fqdn(name, ns)).isEqualTo(full);
        // As Istio: only a name without a dot is completed; a dotted name is taken as written.
        assertThat(Hosts.fqdn(name + "." + ns, "other")).isEqualTo(name + "." + ns);
        assertThat(Hosts.fqdn(full, "other")).isEqualTo(full);
        assertThat(Hosts.problem(full)).isEmpty();
        assertThat(Hosts.covers("*.svc.cluster.local", full)).isTrue();
    }

    @Provide
    Arbitrary<String> labels() {
        return Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(20);
    }

    @Property
    void protocolsAreCaseInsensitive(@ForAll("protocols") String protocol, @ForAll boolean lower) {
        String written = lower ? protocol.toLowerCase(java.util.Locale.ROOT) : protocol;
        assertThat(Protocols.canonical(written)).contains(protocol);
    }

    @Provide
    Arbitrary<String> protocols() {
        return Arbitraries.of(Protocols.ALL);
    }
}
