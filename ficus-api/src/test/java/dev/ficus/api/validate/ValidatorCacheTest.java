package dev.ficus.api.validate;

import dev.ficus.api.config.ConfigLoader;
import dev.ficus.api.config.Diagnostic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A reader that validates with a {@link Validator.Cache} (the control plane, on each reload) finds
 * exactly what a validation from scratch finds, whatever changed: the corpus files (valid and
 * broken, every kind, references across files, names defined twice) are added to a directory,
 * removed, and rewritten with one another's text in seeded random order, and after each step the
 * cached validation is compared with a fresh one.
 */
class ValidatorCacheTest {

    @TempDir
    Path dir;

    static List<String> corpus() throws IOException, URISyntaxException {
        List<String> texts = new ArrayList<>();
        for (String root : List.of("/valid", "/broken", "/fixtures")) {
            Path base = Path.of(ValidatorCacheTest.class.getResource(root).toURI());
            try (Stream<Path> files = Files.walk(base)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) texts.add(Files.readString(f));
            }
        }
        return texts;
    }

    @Test
    void randomEditsValidateAsAFreshValidationDoes() throws Exception {
        List<String> corpus = corpus();
        assertThat(corpus).hasSizeGreaterThan(40);
        for (long seed = 1; seed <= 3; seed++) {
            Random random = new Random(seed);
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.toList()) Files.delete(f);
            }
            for (int i = 0; i < 12; i++) write("f" + i + ".yaml", corpus.get(random.nextInt(corpus.size())));
            Validator.Cache cache = new Validator.Cache();
            for (int step = 0; step < 30; step++) {
                String edit = "initial";
                if (step > 0) {
                    String file = "f" + random.nextInt(16) + ".yaml";
                    int what = random.nextInt(5);
                    if (what == 0) {
                        Files.deleteIfExists(dir.resolve(file));
                        edit = file + " removed";
                    } else if (what == 1 && Files.exists(dir.resolve(file))) { // its documents read again, where they stood
                        write(file, Files.readString(dir.resolve(file)) + "\n---\n" + corpus.get(random.nextInt(corpus.size())));
                        edit = file + " appended to";
                    } else {
                        write(file, corpus.get(random.nextInt(corpus.size())));
                        edit = file + " written";
                    }
                }
                List<String> paths = List.of(dir.toString());
                ConfigLoader.Result cached = Validator.loadAndValidate(paths, InputStream.nullInputStream(), cache);
                ConfigLoader.Result fresh = Validator.loadAndValidate(paths, InputStream.nullInputStream());
                String when = "seed " + seed + ", step " + step + " (" + edit + ")";
                assertThat(cached.diagnostics().stream().map(Diagnostic::format)).as(when).containsExactlyElementsOf(
                        fresh.diagnostics().stream().map(Diagnostic::format).toList());
                assertThat(cached.config().resources()).extracting(r -> r.kind() + "/" + r.namespace() + "/" + r.name())
                        .as(when).containsExactlyElementsOf(fresh.config().resources().stream().map(r -> r.kind() + "/" + r.namespace() + "/" + r.name()).toList());
            }
        }
    }

    private void write(String name, String text) throws IOException {
        Files.writeString(dir.resolve(name), text);
    }
}
