package dev.ficus.api;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DurationsTest {

    @Test
    void readsIstioDurations() {
        assertThat(Durations.parse("5s")).isEqualTo(Duration.ofSeconds(5));
        assertThat(Durations.parse("1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(Durations.parse("100ms")).isEqualTo(Duration.ofMillis(100));
        assertThat(Durations.parse("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(Durations.parse("250us")).isEqualTo(Duration.ofNanos(250_000));
        assertThat(Durations.parse("0")).isEqualTo(Duration.ZERO);
        assertThat(Durations.parse(".5s")).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void refusesWithAMessageThatSaysWhatIsAccepted() {
        assertThatThrownBy(() -> Durations.parse("5x"))
                .hasMessage("invalid duration '5x': unknown unit 'x' (use a number and a unit: ns, us, ms, s, m, h; e.g. 1.5s, 100ms, 1h30m)");
        assertThatThrownBy(() -> Durations.parse("5")).hasMessageContaining("missing unit after 5");
        assertThatThrownBy(() -> Durations.parse("-1s")).hasMessageContaining("must not be negative");
        assertThatThrownBy(() -> Durations.parse("s")).hasMessageContaining("expected a number at position 1");
        assertThatThrownBy(() -> Durations.parse("1..2s")).hasMessageContaining("expected a number");
        assertThatThrownBy(() -> Durations.parse("")).hasMessageContaining("empty");
    }

    @Property
    void formatThenParseIsIdentity(@ForAll @LongRange(min = 0, max = 3_600_000_000_000_000L) long nanos) {
        Duration d = Duration.ofNanos(nanos);
        assertThat(Durations.parse(Durations.format(d))).isEqualTo(d);
    }

    @Property
    void sumOfPartsParsesToTheSum(@ForAll @LongRange(min = 0, max = 1000) long h, @ForAll @LongRange(min = 0, max = 59) long m,
                                  @ForAll @LongRange(min = 0, max = 59) long s, @ForAll @LongRange(min = 0, max = 999) long ms) {
        assertThat(Durations.parse(h + "h" + m + "m" + s + "s" + ms + "ms"))
                .isEqualTo(Duration.ofHours(h).plusMinutes(m).plusSeconds(s).plusMillis(ms));
    }

    @Property
    void decimalNumbersWithAnyUnitAreTheExactProductTruncatedToNanoseconds(
            @ForAll @LongRange(min = 0, max = 99_999_999) long whole, @ForAll @StringLength(max = 14) @net.jqwik.api.constraints.NumericChars String fraction,
            @ForAll("units") String unit) {
        String text = whole + (fraction.isEmpty() ? "" : "." + fraction) + unit;
        long scale = switch (unit) {
            case "ns" -> 1L; case "us" -> 1_000L; case "ms" -> 1_000_000L; case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L; default -> 3_600_000_000_000L;
        };
        java.math.BigDecimal exact = new java.math.BigDecimal(whole + (fraction.isEmpty() ? "" : "." + fraction)).multiply(java.math.BigDecimal.valueOf(scale));
        if (exact.compareTo(java.math.BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            assertThatThrownBy(() -> Durations.parse(text)).hasMessageContaining("too large");
        } else {
            assertThat(Durations.parse(text)).isEqualTo(Duration.ofNanos(exact.longValue()));
        }
    }

    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<String> units() {
        return net.jqwik.api.Arbitraries.of("ns", "us", "ms", "s", "m", "h");
    }

    @Test
    void refusesWhatOverflowsALongOfNanoseconds() {
        assertThatThrownBy(() -> Durations.parse("2562048h")).hasMessageContaining("too large");
        assertThatThrownBy(() -> Durations.parse("9223372036854775807ns1ns")).hasMessageContaining("too large");
        assertThatThrownBy(() -> Durations.parse("99999999999999999999s")).hasMessageContaining("too large");
        assertThat(Durations.parse("9223372036854775807ns")).isEqualTo(Duration.ofNanos(Long.MAX_VALUE));
        assertThat(Durations.parse("1.50s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(Durations.parse("1.0000000001ns")).isEqualTo(Duration.ofNanos(1));
        assertThat(Durations.parse("0.0000000015s")).isEqualTo(Duration.ofNanos(1));
    }

    @Property
    void arbitraryTextNeverThrowsAnythingButTheFormatError(@ForAll @StringLength(max = 20) String text) {
        try {
            Durations.parse(text);
        } catch (Durations.DurationFormatException e) {
            assertThat(e.getMessage()).startsWith("invalid duration");
        }
    }
}
