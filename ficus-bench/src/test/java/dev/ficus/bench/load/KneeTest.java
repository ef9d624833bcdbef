package dev.ficus.bench.load;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The knee as a pure function of step results: no load, no clock. */
class KneeTest {
    private static final Duration SLO = Duration.ofMillis(10);

    /** A step that achieved its rate without errors, with the given p99 in ms. */
    private static RampStep step(double rate, double p99Millis) {
        return new RampStep(rate, rate, Duration.ofMillis(1), Duration.ofNanos((long) (p99Millis * 1e6)),
                (long) (rate * 5), 0);
    }

    @Test
    void theKneeIsTheLastStepBeforeTheP99Breaks() {
        List<RampStep> steps = List.of(step(100, 1), step(200, 2), step(300, 9.9), step(400, 48));
        Knee knee = Knee.find(steps, SLO);
        assertThat(knee).isEqualTo(new Knee(Knee.Outcome.FOUND, 2, 3));
        assertThat(steps.get(3).breaches(SLO)).containsExactly(RampStep.Breach.P99);
    }

    @Test
    void aP99EqualToTheObjectiveMeetsIt() {
        assertThat(step(100, 10).met(SLO)).isTrue();
        assertThat(step(100, 10.001).met(SLO)).isFalse();
    }

    @Test
    void theSloHeldThroughout() {
        assertThat(Knee.find(List.of(step(100, 1), step(200, 2)), SLO)).isEqualTo(new Knee(Knee.Outcome.HELD, 1, -1));
    }

    @Test
    void brokenAtTheFirstStep() {
        assertThat(Knee.find(List.of(step(100, 11)), SLO)).isEqualTo(new Knee(Knee.Outcome.BROKE_AT_FIRST, -1, 0));
    }

    @Test
    void anAchievedRateMoreThanTenPercentShortBreaksAStep() {
        RampStep short11 = new RampStep(1000, 890, Duration.ofMillis(1), Duration.ofMillis(2), 4450, 0);
        RampStep short9 = new RampStep(1000, 910, Duration.ofMillis(1), Duration.ofMillis(2), 4550, 0);
        assertThat(short11.breaches(SLO)).containsExactly(RampStep.Breach.SHORTFALL);
        assertThat(short9.met(SLO)).isTrue();
        assertThat(Knee.find(List.of(step(500, 2), short9, short11), SLO)).isEqualTo(new Knee(Knee.Outcome.FOUND, 1, 2));
    }

    @Test
    void moreThanOnePercentErrorsBreaksAStep() {
        RampStep twoPercent = new RampStep(200, 200, Duration.ofMillis(1), Duration.ofMillis(2), 1000, 20);
        RampStep onePercent = new RampStep(200, 200, Duration.ofMillis(1), Duration.ofMillis(2), 1000, 10);
        assertThat(twoPercent.breaches(SLO)).containsExactly(RampStep.Breach.ERRORS);
        assertThat(onePercent.met(SLO)).isTrue();
        assertThat(Knee.find(List.of(step(100, 1), twoPercent), SLO)).isEqualTo(new Knee(Knee.Outcome.FOUND, 0, 1));
    }

    @Test
    void aStepWithNoResponseAtAllIsBroken() {
        RampStep nothing = new RampStep(100, 0, Duration.ZERO, Duration.ZERO, 40, 40); // connect errors only
        assertThat(nothing.breaches(SLO)).containsExactlyInAnyOrder(RampStep.Breach.SHORTFALL, RampStep.Breach.ERRORS);
        assertThat(Knee.find(List.of(nothing), SLO).outcome()).isEqualTo(Knee.Outcome.BROKE_AT_FIRST);
    }

    @Test
    void aLaterStepThatPassesAgainDoesNotMoveTheKnee() {
        List<RampStep> steps = List.of(step(100, 1), step(200, 30), step(300, 2));
        assertThat(Knee.find(steps, SLO)).isEqualTo(new Knee(Knee.Outcome.FOUND, 0, 1));
    }
}
