package dev.ficus.api.validate;

import dev.ficus.api.config.Diagnostic;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The broken-config corpus: each {@code broken/NAME.yaml} must yield exactly the lines of
 * {@code broken/NAME.expected} (diagnostics as {@code ficus validate} prints them, the file named
 * {@code NAME.yaml}), no more and no fewer.
 */
class BrokenCorpusTest {

    @TestFactory
    Stream<DynamicTest> everyBrokenFileGivesItsExactLines() throws IOException, URISyntaxException {
        Path dir = Path.of(BrokenCorpusTest.class.getResource("/broken").toURI());
        List<Path> cases;
        try (Stream<Path> files = Files.walk(dir)) {
            cases = files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(cases).as("broken corpus").isNotEmpty();
        return cases.stream().map(yaml -> DynamicTest.dynamicTest(dir.relativize(yaml).toString(), () -> {
            String name = yaml.getFileName().toString();
            Path expectedFile = yaml.resolveSibling(name.replaceAll("\\.yaml$", ".expected"));
            assertThat(expectedFile).as("expected lines for " + name).exists();
            List<String> expected = Files.readAllLines(expectedFile).stream().filter(l -> !l.isBlank()).toList();
            List<String> actual = Validator.loadAndValidateString(name, Files.readString(yaml)).diagnostics().stream()
                    .map(Diagnostic::format).toList();
            assertThat(actual).containsExactlyElementsOf(expected);
        }));
    }
}
