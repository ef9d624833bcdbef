package dev.ficus.control.rollout;

import dev.ficus.api.mesh.Rollout;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The rollout state machine, step by step, with no clock or thread. */
class EngineTest {
    private static final Duration DEADLINE = Duration.ofMinutes(10);

    private static RolloutState.Check check(String verdict) {
        return new RolloutState.Check(0, verdict, "reviews subset v2", 100, List.of(), verdict);
    }

    private static Plan canary(Integer... weights) {
        return Plan.of(new Rollout("reviews", List.of(), null, null,
                new Rollout.Strategy(new Rollout.Canary(List.of(), null, null, List.of(weights), List.of(), null), null, null, null, null),
                null, null));
    }

    @Test
    void aGoodCanaryPromotesStepByStep() {
        Plan plan = canary(10, 50);
        assertThat(plan.steps()).extracting(Plan.Step::describe).containsExactly("webhooks pre-rollout", "set weight 10%", "1 passing check",
                "set weight 50%", "1 passing check", "webhooks confirm-promotion", "promote: all traffic to the candidate");
        long t = 1000;
        Progress p = Progress.start(t);
        // first tick: no webhooks (gate passes), weight 10 set, waits for a check
        Engine.Outcome o = Engine.advance(plan, p, null, true, "", 0, t, 2, DEADLINE);
        assertThat(o.progress().weight()).isEqualTo(10);
        assertThat(o.trafficChanged()).isTrue();
        assertThat(plan.steps().get(o.progress().step())).isInstanceOf(Plan.Checks.class);
        o = Engine.advance(plan, o.progress(), check(Checker.INCONCLUSIVE), null, null, -1, t += 1000, 2, DEADLINE);
        assertThat(o.progress().weight()).as("inconclusive holds").isEqualTo(10);
        o = Engine.advance(plan, o.progress(), check(Checker.PASS), null, null, -1, t += 1000, 2, DEADLINE);
        assertThat(o.progress().weight()).isEqualTo(50);
        o = Engine.advance(plan, o.progress(), check(Checker.PASS), null, null, -1, t += 1000, 2, DEADLINE);
        assertThat(plan.steps().get(o.progress().step())).isInstanceOf(Plan.Gate.class);
        assertThat(o.progress().weight()).isEqualTo(50);
        o = Engine.advance(plan, o.progress(), check(Checker.PASS), true, "", o.progress().step(), t += 1000, 2, DEADLINE);
        assertThat(o.succeeded()).isTrue();
        assertThat(o.progress().phase()).isEqualTo(Phase.SUCCEEDED);
        assertThat(o.progress().weight()).isEqualTo(100);
    }

    @Test
    void aBadCanaryRollsBackAtTheFailureLimit() {
        Plan plan = canary(10, 50);
        long t = 0;
        Engine.Outcome o = Engine.advance(plan, Progress.start(t), null, true, "", 0, t, 2, DEADLINE);
        o = Engine.advance(plan, o.progress(), check(Checker.FAIL), null, null, -1, t += 1000, 2, DEADLINE);
        assertThat(o.rolledBack()).isFalse();
        assertThat(o.progress().failures()).isEqualTo(1);
        assertThat(o.progress().weight()).as("a failed check holds the weight").isEqualTo(10);
        o = Engine.advance(plan, o.progress(), check(Checker.FAIL), null, null, -1, t += 1000, 2, DEADLINE);
        assertThat(o.rolledBack()).isTrue();
        assertThat(o.progress().phase()).isEqualTo(Phase.ROLLED_BACK);
        assertThat(o.progress().weight()).isZero();
        assertThat(o.events()).anySatisfy(e -> assertThat(e[1]).isEqualTo("RolledBack"));
        // nothing moves after
        Engine.Outcome after = Engine.advance(plan, o.progress(), check(Checker.PASS), null, null, -1, t + 1000, 2, DEADLINE);
        assertThat(after.progress()).isEqualTo(o.progress());
    }

    @Test
    void aWebhookThatSaysNoHoldsTheGateUntilTheDeadline() {
        Plan plan = canary(20);
        Engine.Outcome o = Engine.advance(plan, Progress.start(0), null, false, "smoke HTTP 503", 0, 1000, 2, Duration.ofSeconds(5));
        assertThat(o.progress().step()).isZero();
        assertThat(o.progress().message()).contains("pre-rollout webhook said no").contains("503");
        o = Engine.advance(plan, o.progress(), null, false, "smoke HTTP 503", 0, 6001, 2, Duration.ofSeconds(5));
        assertThat(o.rolledBack()).isTrue();
        assertThat(o.progress().message()).contains("progressDeadline");
    }

    @Test
    void aPauseWithoutDurationWaitsForPromoteAndNoDeadlineRuns() {
        Plan plan = Plan.of(new Rollout("reviews", List.of(), null, null, new Rollout.Strategy(new Rollout.Canary(List.of(
                new Rollout.Step(30, null, null), new Rollout.Step(null, new Rollout.Pause(null), null), new Rollout.Step(80, null, null)),
                null, null, List.of(), List.of(), null), null, null, null, null), null, null));
        Engine.Outcome o = Engine.advance(plan, Progress.start(0), null, true, "", 0, 0, 2, DEADLINE);
        assertThat(o.progress().weight()).isEqualTo(30);
        o = Engine.advance(plan, o.progress(), check(Checker.PASS), null, null, -1, Duration.ofHours(1).toMillis(), 2, DEADLINE);
        assertThat(o.progress().phase()).isEqualTo(Phase.PROGRESSING);
        assertThat(o.progress().message()).contains("until promoted");
        Progress promoted = Engine.promote(plan, o.progress(), Duration.ofHours(1).toMillis());
        o = Engine.advance(plan, promoted, null, null, null, -1, Duration.ofHours(1).toMillis(), 2, DEADLINE);
        assertThat(o.progress().weight()).isEqualTo(80);
    }

    @Test
    void blueGreenPreviewsThenSwitchesThenWatches() {
        Plan plan = Plan.of(new Rollout("reviews", List.of(), null, null, new Rollout.Strategy(null,
                new Rollout.BlueGreen(List.of(new dev.ficus.api.networking.HTTPMatchRequest(null, null, null, null, null,
                        java.util.Map.of("x-preview", new dev.ficus.api.networking.StringMatch("1", null, null)), null, java.util.Map.of(), List.of(),
                        java.util.Map.of(), null, java.util.Map.of(), null, null)), 1, null, Duration.ofSeconds(10)), null, null, null), null, null));
        Engine.Outcome o = Engine.advance(plan, Progress.start(0), null, true, "", 0, 0, 2, DEADLINE);
        assertThat(o.progress().preview()).isTrue();
        assertThat(o.progress().weight()).isZero();
        o = Engine.advance(plan, o.progress(), check(Checker.PASS), null, null, -1, 1000, 2, DEADLINE);
        // the check passed, then the confirm-promotion gate needs its own answer
        assertThat(plan.steps().get(o.progress().step())).isInstanceOf(Plan.Gate.class);
        o = Engine.advance(plan, o.progress(), null, true, "", o.progress().step(), 2000, 2, DEADLINE);
        assertThat(o.progress().weight()).isEqualTo(100);
        assertThat(o.progress().preview()).isFalse();
        assertThat(o.succeeded()).isFalse();
        o = Engine.advance(plan, o.progress(), check(Checker.FAIL), null, null, -1, 3000, 2, DEADLINE);
        o = Engine.advance(plan, o.progress(), check(Checker.FAIL), null, null, -1, 4000, 2, DEADLINE);
        assertThat(o.rolledBack()).as("failures in the watch window switch back").isTrue();
        assertThat(o.progress().weight()).isZero();
    }
}
