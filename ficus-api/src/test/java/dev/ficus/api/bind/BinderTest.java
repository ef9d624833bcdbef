package dev.ficus.api.bind;

import dev.ficus.api.config.Severity;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.composer.Composer;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.parser.ParserImpl;
import org.snakeyaml.engine.v2.scanner.StreamReader;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class BinderTest {

    enum Mode { STRICT, PERMISSIVE }

    @OneOf({"exact", "prefix"})
    record Match(String exact, String prefix) {
    }

    record Spec(@Required String host, Integer port, Double share, Boolean on, Duration timeout, Mode mode,
                List<Match> matches, Map<String, String> labels, @Deprecated(use = "share") Integer percent,
                @Unsupported("needs Kubernetes") String exportTo, @YamlName("default") String fallback) {
    }

    private final List<String> found = new ArrayList<>();
    private final Sink sink = new Sink() {
        @Override
        public void report(Severity severity, String path, int line, int column, String message) {
            found.add(line + ":" + column + " " + severity.label() + " " + path + ": " + message);
        }

        @Override
        public void position(String path, int line, int column) {
        }
    };

    private static Node node(String yaml) {
        LoadSettings s = LoadSettings.builder().build();
        Composer composer = new Composer(s, new ParserImpl(s, new StreamReader(s, yaml)));
        if (!composer.hasNext()) throw new java.util.NoSuchElementException("no document");
        return composer.next();
    }

    private Spec bind(String yaml) {
        return new Binder(sink).bindRecord(node(yaml), Spec.class, "spec");
    }

    @Test
    void bindsEveryKindOfField() {
        Spec spec = bind("""
                host: reviews
                port: 9080
                share: 12.5
                on: true
                timeout: 1.5s
                mode: STRICT
                matches: [{exact: /a}, {prefix: /b}]
                labels: {app: reviews, version: v1}
                default: x
                """);
        assertThat(found).isEmpty();
        assertThat(spec).isEqualTo(new Spec("reviews", 9080, 12.5, true, Duration.ofMillis(1500), Mode.STRICT,
                List.of(new Match("/a", null), new Match(null, "/b")), Map.of("app", "reviews", "version", "v1"),
                null, null, "x"));
    }

    @Test
    void absentCollectionsAreEmptyAndAbsentScalarsNull() {
        Spec spec = bind("host: a");
        assertThat(spec.matches()).isEmpty();
        assertThat(spec.labels()).isEmpty();
        assertThat(spec.port()).isNull();
    }

    @Test
    void reportsEachProblemWithItsPositionAndPath() {
        bind("""
                hots: reviews
                port: "9080"
                timeout: 5x
                mode: strict
                on: yes
                matches:
                  - exact: /a
                    prefix: /b
                labels: {app: 1}
                percent: 5
                exportTo: x
                """);
        assertThat(found).containsExactly(
                "1:1 error spec.hots: unknown field 'hots'; did you mean 'host'?",
                "2:7 error spec.port: expected an integer, got string \"9080\"",
                "3:10 error spec.timeout: invalid duration '5x': unknown unit 'x' (use a number and a unit: ns, us, ms, s, m, h; e.g. 1.5s, 100ms, 1h30m)",
                "4:7 error spec.mode: unknown value 'strict'; allowed: STRICT, PERMISSIVE; did you mean 'STRICT'?",
                "5:5 error spec.on: expected true or false, got string 'yes'",
                "7:5 error spec.matches[0]: set only one of exact, prefix; got exact and prefix",
                "9:15 error spec.labels.app: expected a string, got integer 1 (quote it: \"1\")",
                "10:1 warning spec.percent: deprecated; use share",
                "11:1 warning spec.exportTo: accepted but not acted on: needs Kubernetes",
                "1:1 error spec: missing required field 'host'");
    }

    @Test
    void wrongShapesAreReportedNotThrown() {
        bind("""
                host: [a, b]
                matches: {exact: /a}
                labels: [x]
                """);
        assertThat(found).containsExactly(
                "1:7 error spec.host: expected a string, got a list",
                "2:10 error spec.matches: expected a list, got an object (write it as '- value')",
                "3:9 error spec.labels: expected a map of key: value, got a list");
    }

    @Test
    void duplicateFieldsAreErrors() {
        bind("host: a\nhost: b\n");
        assertThat(found).containsExactly("2:1 error spec.host: duplicate field 'host'");
    }

    /** Whatever YAML arrives, binding reports problems and returns; it never throws. */
    @Property(tries = 300)
    void arbitraryDocumentsNeverThrow(@ForAll @StringLength(max = 60) String text) {
        Node n;
        try {
            n = node("host: " + text);
        } catch (YamlEngineException | java.util.NoSuchElementException e) {
            return; // not YAML at all: the loader reports those
        }
        new Binder(sink).bind(n, Spec.class, "spec");
    }
}
