package dev.ficus.api.validate;

import dev.ficus.api.config.ConfigLoader;
import dev.ficus.api.config.Diagnostic;
import org.junit.jupiter.api.Test;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Istio's own sample configurations must load without a single error. */
class IstioFixturesTest {

    @Test
    void bookinfoSamplesValidateWithoutErrors() throws URISyntaxException {
        Path dir = Path.of(IstioFixturesTest.class.getResource("/fixtures/istio/bookinfo").toURI());
        ConfigLoader.Result result = Validator.loadAndValidate(List.of(dir.toString()), System.in);
        assertThat(result.diagnostics().stream().filter(Diagnostic::isError).map(Diagnostic::format)).isEmpty();
        assertThat(result.config().size()).isEqualTo(17);
    }

    /** The project's shared fixtures, when checked out beside the repository (as in CI). */
    @Test
    void sharedFixturesValidateWithoutErrors() {
        Path shared = Path.of("").toAbsolutePath();
        while (shared != null && !Files.isDirectory(shared.resolveSibling("shared").resolve("fixtures/istio"))) {
            shared = shared.getParent();
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(shared != null, "no ../shared/fixtures/istio beside the repository");
        Path fixtures = shared.resolveSibling("shared").resolve("fixtures/istio");
        ConfigLoader.Result result = Validator.loadAndValidate(List.of(fixtures.toString()), System.in);
        assertThat(result.diagnostics().stream().filter(Diagnostic::isError).map(Diagnostic::format)).isEmpty();
    }
}
