package dev.ficus.bench.load;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code --ramp START:STEP:MAX} as a user types it. */
class RampConfigTest {
    private static final Duration SLO = Duration.ofMillis(10);

    @Test
    void stepsRunFromStartToMaxInclusive() {
        assertThat(RampConfig.parse("100:100:500", SLO).rates()).containsExactly(100.0, 200.0, 300.0, 400.0, 500.0);
        assertThat(RampConfig.parse("500:1:500", SLO).rates()).containsExactly(500.0);
    }

    @Test
    void aMaxOffTheGridIsStillTheLastStep() {
        assertThat(RampConfig.parse("100:200:600", SLO).rates()).containsExactly(100.0, 300.0, 500.0, 600.0);
    }

    @Test
    void decimalStepsDoNotDriftPastMax() {
        // Adding 0.1 ten times gives 1.0999999999999999; multiplying keeps the grid and MAX.
        assertThat(RampConfig.parse("0.1:0.1:1", SLO).rates()).hasSize(10).endsWith(1.0);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "100:100|expected START:STEP:MAX in requests/s, e.g. 100:100:2000, got '100:100'",
            "a:1:2|expected START:STEP:MAX in requests/s, e.g. 100:100:2000, got 'a:1:2'",
            "100:100:2000:1|expected START:STEP:MAX in requests/s, e.g. 100:100:2000, got '100:100:2000:1'",
            "500:100:100|START (500) is above MAX (100)",
            "100:0:200|STEP must be more than 0 requests/s, got 0.0",
            "100:-5:200|STEP must be more than 0 requests/s, got -5.0",
            "0:100:200|START must be more than 0 requests/s, got 0.0",
            "1:0.001:1000|that is 999001 steps; at most 1000 (raise STEP)",
    })
    void badRampsAreRefusedWithTheReason(String text, String message) {
        assertThatThrownBy(() -> RampConfig.parse(text, SLO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
    }
}
