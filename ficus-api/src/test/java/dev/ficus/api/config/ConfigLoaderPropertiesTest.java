package dev.ficus.api.config;

import dev.ficus.api.validate.Validator;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.StringLength;

import static org.assertj.core.api.Assertions.assertThat;

/** Whatever text arrives, loading and validating reports diagnostics and never throws. */
class ConfigLoaderPropertiesTest {

    @Property(tries = 500)
    void arbitraryTextNeverThrows(@ForAll @StringLength(max = 200) String text) {
        ConfigLoader.Result r = Validator.loadAndValidateString("x.yaml", text);
        assertThat(r.diagnostics()).allSatisfy(d -> assertThat(d.file()).isEqualTo("x.yaml"));
    }

    @Property(tries = 500)
    void mutatedResourcesNeverThrow(@ForAll("mutated") String text) {
        ConfigLoader.Result r = Validator.loadAndValidateString("x.yaml", text);
        assertThat(r.diagnostics()).allSatisfy(d -> assertThat(d.format()).startsWith("x.yaml"));
    }

    private static final String BASE = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: reviews
            spec:
              hosts: [reviews]
              http:
              - match:
                - uri: {prefix: /api}
                  headers: {end-user: {exact: jason}}
                route:
                - destination: {host: reviews, subset: v2}
                  weight: 80
                - destination: {host: reviews, subset: v1}
                  weight: 20
                timeout: 2s
                retries: {attempts: 3, perTryTimeout: 1s, retryOn: "5xx,reset"}
            """;

    @Provide
    Arbitrary<String> mutated() {
        Arbitrary<Integer> position = Arbitraries.integers().between(0, BASE.length() - 1);
        Arbitrary<String> insert = Arbitraries.of("", "[", "]", "{", "}", ":", "- ", "\n", "  ", "\t", "'", "\"",
                "&a ", "*a", "!!int ", "#", "---\n", "0x1F", "null", "~");
        return Combinators.combine(position, Arbitraries.integers().between(0, 5), insert)
                .as((pos, cut, ins) -> BASE.substring(0, pos) + ins + BASE.substring(Math.min(BASE.length(), pos + cut)));
    }
}
