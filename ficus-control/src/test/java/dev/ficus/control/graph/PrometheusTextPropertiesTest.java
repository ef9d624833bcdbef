package dev.ficus.control.graph;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The metrics reader against what any exposition can hold: what a writer renders is read back
 * exactly (label values with quotes, backslashes, line breaks and any Unicode; NaN and
 * infinities; timestamps; comments between samples), anything at all is either read or refused
 * with a {@link PrometheusText.FormatException} — never another exception — and a damaged line is
 * named by its number.
 */
class PrometheusTextPropertiesTest {

    /** A sample as a writer would put it on a line, with the writer's own spacing choices. */
    record Line(PrometheusText.Sample sample, String valueText, String timestamp, boolean trailingComma, String gap) {
        String render() {
            StringBuilder b = new StringBuilder(sample.name());
            if (!sample.labels().isEmpty() || trailingComma) {
                b.append('{');
                int i = 0;
                for (var e : sample.labels().entrySet()) {
                    if (i++ > 0) b.append(',');
                    b.append(e.getKey()).append("=\"").append(escape(e.getValue())).append('"');
                }
                if (trailingComma && !sample.labels().isEmpty()) b.append(',');
                b.append('}');
            }
            b.append(gap).append(valueText);
            if (timestamp != null) b.append(gap).append(timestamp);
            return b.toString();
        }
    }

    static String escape(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    @Provide
    Arbitrary<String> metricNames() {
        Arbitrary<Character> first = Arbitraries.chars().with('_', ':').range('a', 'z').range('A', 'Z');
        Arbitrary<String> rest = Arbitraries.strings().withChars('_', ':').withCharRange('a', 'z').withCharRange('A', 'Z').withCharRange('0', '9').ofMaxLength(30);
        return Combinators.combine(first, rest).as((f, r) -> f + r);
    }

    @Provide
    Arbitrary<String> labelNames() {
        Arbitrary<Character> first = Arbitraries.chars().with('_').range('a', 'z').range('A', 'Z');
        Arbitrary<String> rest = Arbitraries.strings().withChars('_').withCharRange('a', 'z').withCharRange('A', 'Z').withCharRange('0', '9').ofMaxLength(20);
        return Combinators.combine(first, rest).as((f, r) -> f + r);
    }

    @Provide
    Arbitrary<String> labelValues() {
        return Arbitraries.oneOf(
                Arbitraries.strings().all().ofMaxLength(40), // any code point, line breaks, quotes and backslashes included
                Arbitraries.strings().withChars("\\\"n{},= \t#").ofMaxLength(12),
                Arbitraries.of("", "unknown", "-", "mutual_tls", "reviews.shop.svc.cluster.local", "+Inf", "0.5"));
    }

    /** A value and a spelling of it the format allows. */
    @Provide
    Arbitrary<Map.Entry<Double, String>> values() {
        return Arbitraries.oneOf(
                Arbitraries.longs().between(0, Long.MAX_VALUE / 2).map(v -> Map.entry((double) v, Long.toString(v))),
                Arbitraries.doubles().between(-1e300, 1e300).map(v -> Map.entry(v, Double.toString(v).replace("Infinity", "Inf"))),
                Arbitraries.doubles().between(-1e6, 1e6).map(v -> Map.entry(Double.parseDouble(String.format(java.util.Locale.ROOT, "%.3e", v)),
                        String.format(java.util.Locale.ROOT, "%.3e", v))),
                Arbitraries.of(Map.entry(Double.NaN, "NaN"), Map.entry(Double.POSITIVE_INFINITY, "+Inf"), Map.entry(Double.NEGATIVE_INFINITY, "-Inf"),
                        Map.entry(0.5, ".5"), Map.entry(5.0, "5."), Map.entry(-0.0, "-0")));
    }

    @Provide
    Arbitrary<Line> lines() {
        Arbitrary<Map<String, String>> labels = Arbitraries.maps(labelNames(), labelValues()).ofMaxSize(6).map(LinkedHashMap::new);
        Arbitrary<String> timestamps = Arbitraries.oneOf(Arbitraries.just(null), Arbitraries.longs().between(-1_000_000_000_000L, 4_000_000_000_000L).map(Object::toString));
        return Combinators.combine(metricNames(), labels, values(), timestamps, Arbitraries.of(true, false), Arbitraries.of(" ", "\t", "  "))
                .as((n, l, v, ts, comma, gap) -> new Line(new PrometheusText.Sample(n, l, v.getKey()), v.getValue(), ts, comma, gap));
    }

    /** Lines between samples that carry no sample. */
    @Provide
    Arbitrary<String> noise() {
        return Arbitraries.oneOf(
                Arbitraries.just(""), Arbitraries.just("   "),
                metricNames().map(n -> "# HELP " + n + " Help text with \"quotes\" and \\ backslashes."),
                Arbitraries.strings().all().ofMaxLength(30).map(s -> "# " + s.replace("\n", " ").replaceFirst("^\\s*(HELP|TYPE)", "x")));
    }

    @Provide
    Arbitrary<List<Line>> lineLists() {
        return lines().list().ofMaxSize(25);
    }

    @Provide
    Arbitrary<List<String>> noiseLists() {
        return noise().list().ofMaxSize(25);
    }

    @Property(tries = 400)
    void whatAWriterRendersIsReadBackExactly(@ForAll("lineLists") List<Line> lines, @ForAll("noiseLists") List<String> noise) {
        StringBuilder text = new StringBuilder();
        List<PrometheusText.Sample> expected = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (i < noise.size()) text.append(noise.get(i)).append('\n');
            text.append(lines.get(i).render()).append('\n');
            expected.add(lines.get(i).sample());
        }
        List<PrometheusText.Sample> read = parse(text.toString());
        assertThat(read).hasSameSizeAs(expected);
        for (int i = 0; i < read.size(); i++) {
            PrometheusText.Sample r = read.get(i), e = expected.get(i);
            assertThat(r.name()).isEqualTo(e.name());
            assertThat(r.labels()).containsExactlyEntriesOf(e.labels());
            assertThat(Double.doubleToLongBits(r.value())).as(lines.get(i).render()).isEqualTo(Double.doubleToLongBits(e.value()));
        }
    }

    @Property(tries = 1000)
    void anyTextIsReadOrRefusedWithALineNumber(@ForAll("garbage") String text) {
        Throwable t = catchThrowable(() -> PrometheusText.parse(text));
        if (t == null) return;
        assertThat(t).isInstanceOf(PrometheusText.FormatException.class);
        PrometheusText.FormatException f = (PrometheusText.FormatException) t;
        assertThat(f.line()).isBetween(1, (int) text.chars().filter(c -> c == '\n').count() + 1);
        assertThat(f.column()).isPositive();
        assertThat(f.getMessage()).startsWith("line " + f.line() + ", column " + f.column() + ": ");
    }

    @Provide
    Arbitrary<String> garbage() {
        Arbitrary<String> pieces = Arbitraries.oneOf(
                Arbitraries.of("istio_requests_total", "{", "}", "=", "\"", ",", " ", "\t", "\n", "\\", "\\n", "\\\"", "#", "# TYPE", "# HELP",
                        "counter", "le", "reporter", "+Inf", "-Inf", "NaN", "1", "0.5", "1e3", "-", "x", "é", "\r"),
                Arbitraries.strings().all().ofMaxLength(5));
        return pieces.list().ofMaxSize(40).map(l -> String.join("", l));
    }

    /** One way to damage a valid sample line so that the format no longer allows it. */
    enum Damage {
        UNCLOSED_VALUE, UNKNOWN_ESCAPE, BAD_NUMBER, DUPLICATE_LABEL, NO_VALUE, BAD_LABEL_NAME, JUNK_AFTER_TIMESTAMP;

        String apply(String line) {
            return switch (this) {
                case UNCLOSED_VALUE -> "m{a=\"unterminated";
                case UNKNOWN_ESCAPE -> "m{a=\"x\\qy\"} 1";
                case BAD_NUMBER -> line.substring(0, line.lastIndexOf(' ') < 0 ? line.length() : line.lastIndexOf(' ')) + " 12abc";
                case DUPLICATE_LABEL -> "m{a=\"1\",a=\"2\"} 1";
                case NO_VALUE -> "m{a=\"1\"}";
                case BAD_LABEL_NAME -> "m{9a=\"1\"} 1";
                case JUNK_AFTER_TIMESTAMP -> "m 1 1700000000000 extra";
            };
        }
    }

    @Property(tries = 300)
    void aDamagedLineIsNamed(@ForAll("lineLists") List<Line> lines, @ForAll @IntRange(min = 0, max = 50) int at, @ForAll Damage damage) {
        List<String> rendered = new ArrayList<>();
        for (Line l : lines) rendered.add(l.render());
        int index = Math.min(at, rendered.size());
        String base = index < rendered.size() ? rendered.get(index) : "m 1";
        String damaged = damage.apply(base.contains(" ") ? base.replace("\t", " ") : base + " 1");
        rendered.add(index, damaged);
        String text = String.join("\n", rendered) + "\n";
        assertThatThrownBy(() -> PrometheusText.parse(text))
                .as(damage + ": " + damaged)
                .isInstanceOfSatisfying(PrometheusText.FormatException.class, f -> assertThat(f.line()).isEqualTo(index + 1));
    }

    private static List<PrometheusText.Sample> parse(String text) {
        try {
            return PrometheusText.parse(text);
        } catch (PrometheusText.FormatException e) {
            throw new AssertionError(e.getMessage() + " in\n" + text, e);
        }
    }
}
