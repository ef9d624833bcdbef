package dev.ficus.api.cel;

import dev.ficus.api.Durations;
import dev.ficus.api.cel.CelExpr.Compare;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.StringLength;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The filter parser on generated input: any text either parses or fails with a
 * {@link CelParseException} whose column lies within the text; every expression ficus can
 * express prints to text that parses back to the same tree; evaluation never throws.
 */
class CelPropertiesTest {

    @Property(tries = 2000)
    void arbitraryTextParsesOrFailsWithAPosition(@ForAll @StringLength(max = 80) String text) {
        assertParsesOrFailsCleanly(text);
    }

    @Property(tries = 2000)
    void textMadeOfCelTokensParsesOrFailsWithAPosition(@ForAll("tokenSoup") String text) {
        assertParsesOrFailsCleanly(text);
    }

    @Property(tries = 2000)
    void mutatedFiltersParseOrFailWithAPosition(@ForAll("mutated") String text) {
        assertParsesOrFailsCleanly(text);
    }

    @Property(tries = 2000)
    void printedExpressionsParseBackToTheSameTree(@ForAll("conditions") CelExpr e) {
        String text = Cel.print(e);
        CelExpr back = Cel.parse(text);
        assertThat(back).as(text).isEqualTo(e);
        assertThat(Cel.print(back)).isEqualTo(text);
    }

    @Property(tries = 1000)
    void evaluationNeverThrowsAndNegationIsTheComplementWhenNothingIsAbsent(@ForAll("conditions") CelExpr e) {
        CelFilter f = CelFilter.compile(Cel.print(e));
        CelFilter not = CelFilter.compile("!(" + Cel.print(e) + ")");
        boolean yes = f.test(EVERYTHING, null);
        assertThat(not.test(EVERYTHING, null)).as(Cel.print(e)).isEqualTo(!yes);
        f.test(NOTHING, null); // absent attributes and headers: an error inside, false or true outside, never a throw
    }

    private static void assertParsesOrFailsCleanly(String text) {
        Throwable t = catchThrowable(() -> Cel.parse(text));
        if (t == null) return;
        assertThat(t).as(text).isInstanceOf(CelParseException.class);
        CelParseException p = (CelParseException) t;
        assertThat(p.column()).as(text + ": " + p.getMessage()).isBetween(1, Math.max(1, text.length() + 1));
        assertThat(p.reason()).isNotBlank();
    }

    // ---- generators

    private static final List<String> TOKENS = List.of("response.code", "request.path", "request.headers", "['x-user']", "[", "]", "(", ")",
            "==", "!=", "<", "<=", ">", ">=", "&&", "||", "!", "in", "400", "-1", "0x1F", "'a'", "\"b\"", "true", "false", ",", ".",
            "startsWith(", "duration('1s')", "request.duration", "connection.mtls", "+", "?", ":", "1.5", "null", "{", "}", "'", "\\", " ");

    @Provide
    Arbitrary<String> tokenSoup() {
        return Arbitraries.of(TOKENS).list().ofMaxSize(12).map(l -> String.join(" ", l));
    }

    private static final String BASE = "response.code >= 400 && request.headers['x-user'] in ['a', \"b\"] || !(request.path.startsWith('/api') && connection.mtls)";

    @Provide
    Arbitrary<String> mutated() {
        Arbitrary<Integer> at = Arbitraries.integers().between(0, BASE.length());
        Arbitrary<String> insert = Arbitraries.of("", "(", ")", "[", "]", "'", "\"", "\\", "!", "&", "|", "=", ".", ",", "-", "0x", "9999999999999999999",
                "\\u12", "\\x4", "in", "request.", "\n", "1.", "e5");
        return Combinators.combine(at, Arbitraries.integers().between(0, 4), insert)
                .as((pos, cut, ins) -> BASE.substring(0, pos) + ins + BASE.substring(Math.min(BASE.length(), pos + cut)));
    }

    private static final CelAttribute[] INTS = attributes(CelType.INT);
    private static final CelAttribute[] STRINGS = attributes(CelType.STRING);

    private static CelAttribute[] attributes(CelType t) {
        return Arrays.stream(CelAttribute.values()).filter(a -> a.type() == t).toArray(CelAttribute[]::new);
    }

    @Provide
    Arbitrary<CelExpr> conditions() {
        return condition(4);
    }

    private static Arbitrary<String> text() {
        return Arbitraries.strings().withChars("ab/-_. '\"\\\n\t\u00e9\u0001x").ofMaxLength(8);
    }

    private static Arbitrary<CelExpr> ints() {
        return Arbitraries.oneOf(Arbitraries.longs().map(CelExpr.IntLit::new),
                Arbitraries.of(INTS).map(CelExpr.Attr::new));
    }

    private static Arbitrary<CelExpr> strings() {
        return Arbitraries.oneOf(text().map(CelExpr.StringLit::new),
                Arbitraries.of(STRINGS).map(CelExpr.Attr::new),
                text().map(CelExpr.Header::new));
    }

    private static Arbitrary<CelExpr> durations() {
        return Arbitraries.oneOf(
                Arbitraries.longs().between(0, 10_000_000_000L).map(n -> {
                    String s = Durations.format(Duration.ofNanos(n));
                    return new CelExpr.DurationLit(s, Durations.parse(s).toNanos());
                }),
                Arbitraries.just(new CelExpr.Attr(CelAttribute.REQUEST_DURATION)));
    }

    private static Arbitrary<CelExpr> leaf() {
        return Arbitraries.oneOf(
                Arbitraries.of(true, false).map(CelExpr.BoolLit::new),
                Arbitraries.just(new CelExpr.Attr(CelAttribute.CONNECTION_MTLS)),
                text().map(CelExpr.HasHeader::new),
                Combinators.combine(Arbitraries.of(Compare.Op.class), ints(), ints()).as(Compare::new),
                Combinators.combine(Arbitraries.of(Compare.Op.class), strings(), strings()).as(Compare::new),
                Combinators.combine(Arbitraries.of(Compare.Op.class), durations(), durations()).as(Compare::new),
                Combinators.combine(ints(), ints().list().ofMaxSize(3)).as(CelExpr.In::new),
                Combinators.combine(strings(), strings().list().ofMaxSize(3)).as(CelExpr.In::new),
                Combinators.combine(Arbitraries.of(CelExpr.StringCall.Function.class), strings(), strings()).as(CelExpr.StringCall::new));
    }

    private static Arbitrary<CelExpr> condition(int depth) {
        if (depth == 0) return leaf();
        Arbitrary<CelExpr> sub = Arbitraries.lazy(() -> condition(depth - 1));
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, leaf()),
                net.jqwik.api.Tuple.of(1, sub.map(CelExpr.Not::new)),
                net.jqwik.api.Tuple.of(2, Combinators.combine(Arbitraries.of(true, false), sub, sub).as(CelExpr.Logical::new)),
                net.jqwik.api.Tuple.of(1, Combinators.combine(Arbitraries.of(Compare.Op.EQ, Compare.Op.NE), sub, sub).as(Compare::new)));
    }

    // ---- activations

    /** Every attribute and header present. */
    private static final CelActivation<Object> EVERYTHING = new CelActivation<>() {
        @Override public String string(Object r, CelAttribute a) { return a.celName(); }

        @Override public long number(Object r, CelAttribute a) { return a.ordinal() * 100L; }

        @Override public boolean bool(Object r, CelAttribute a) { return true; }

        @Override public String header(Object r, String name) { return name.isEmpty() ? "" : "a"; }
    };

    /** Nothing present. */
    private static final CelActivation<Object> NOTHING = new CelActivation<>() {
        @Override public String string(Object r, CelAttribute a) { return null; }

        @Override public long number(Object r, CelAttribute a) { return ABSENT; }

        @Override public boolean bool(Object r, CelAttribute a) { return false; }

        @Override public String header(Object r, String name) { return null; }
    };
}
