package dev.ficus.control.rollout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Moves one plan forward after a check: the whole state machine, with no clock, thread or I/O of
 * its own, so that tests drive it step by step.
 */
final class Engine {
    private Engine() {
    }

    /** A state-machine outcome: the new progress, what happened, and whether traffic moved. */
    record Outcome(Progress progress, List<String[]> events, boolean trafficChanged, boolean rolledBack, boolean succeeded) {
    }

    /**
     * @param check     this tick's check of the candidate, or null when none ran
     * @param gateOk    the answer of the webhooks of the step at {@code gateStep} (null: none asked)
     * @param limit     failed checks that roll back
     * @param deadline  time without progress that rolls back
     */
    static Outcome advance(Plan plan, Progress p, RolloutState.Check check, Boolean gateOk, String gateDetail, int gateStep,
                           long now, int limit, Duration deadline) {
        List<String[]> events = new ArrayList<>();
        if (p.phase() != Phase.PROGRESSING) return new Outcome(p, events, false, false, false);
        boolean moved = false;
        if (check != null) {
            switch (check.verdict()) {
                case Checker.FAIL -> {
                    p = p.failed("check failed: " + check.summary());
                    events.add(new String[]{"Warning", "CheckFailed", "check " + p.failures() + " of " + limit + " failed: " + check.summary()});
                    if (p.failures() >= limit) {
                        p = p.rolledBack(Phase.ROLLED_BACK, "rolled back: " + p.failures() + " failed check(s); last: " + check.summary());
                        events.add(new String[]{"Warning", "RolledBack", p.message()});
                        return new Outcome(p, events, true, true, false);
                    }
                }
                case Checker.PASS -> p = p.passed("check passed: " + check.summary());
                default -> p = p.held(check.summary());
            }
        }
        loop:
        while (p.step() < plan.steps().size()) {
            Plan.Step s = plan.steps().get(p.step());
            switch (s) {
                case Plan.Gate g -> {
                    if (gateStep != p.step() || gateOk == null) break loop;
                    if (!gateOk) {
                        p = p.held("waiting: " + g.type() + " webhook said no (" + gateDetail + ")");
                        break loop;
                    }
                    p = p.next(now, g.type() + " webhooks passed");
                    if (gateDetail != null && !gateDetail.isEmpty()) events.add(new String[]{"Normal", "WebhookPassed", g.type() + ": " + gateDetail});
                }
                case Plan.Weight w -> {
                    boolean changes = w.weight() != p.weight() || w.preview() != p.preview();
                    p = p.traffic(w.weight(), w.preview()).next(now, s.describe());
                    if (changes) {
                        moved = true;
                        events.add(new String[]{"Normal", w.preview() ? "PreviewOn" : "WeightChanged", w.preview() ? "preview route sends matching requests to the candidate"
                                : "candidate weight " + w.weight() + "%"});
                    }
                }
                case Plan.Wait w -> {
                    if (w.duration() == null || now - p.stepStarted() < w.duration().toMillis()) {
                        p = p.held(w.duration() == null ? "paused until promoted (ficus rollout promote)" : "pausing " + dev.ficus.api.Durations.format(w.duration()));
                        break loop;
                    }
                    p = p.next(now, "pause over");
                }
                case Plan.Checks c -> {
                    if (p.passes() < c.count()) break loop;
                    p = p.next(now, c.count() + " check(s) passed");
                }
                case Plan.Promote x -> {
                    p = p.traffic(100, false).next(now, "promoted");
                    moved = true;
                    events.add(new String[]{"Normal", "Promoted", "all traffic to the candidate"});
                }
                case Plan.Watch w -> {
                    if (now - p.stepStarted() < w.duration().toMillis()) {
                        if (check == null || !check.verdict().equals(Checker.FAIL)) p = p.held("watching after the switch");
                        break loop;
                    }
                    p = p.next(now, "watch over");
                }
            }
        }
        if (p.step() >= plan.steps().size()) {
            p = p.phase(Phase.SUCCEEDED, "succeeded: the candidate serves all traffic");
            events.add(new String[]{"Normal", "Succeeded", p.message()});
            return new Outcome(p, events, moved, false, true);
        }
        boolean userGate = plan.steps().get(p.step()) instanceof Plan.Wait w && w.duration() == null;
        if (!userGate && now - p.lastProgress() > deadline.toMillis()) {
            p = p.rolledBack(Phase.ROLLED_BACK, "rolled back: no progress in " + dev.ficus.api.Durations.format(deadline) + " (progressDeadline); " + p.message());
            events.add(new String[]{"Warning", "ProgressDeadlineExceeded", p.message()});
            return new Outcome(p, events, true, true, false);
        }
        return new Outcome(p, events, moved, false, false);
    }

    /** {@code ficus rollout promote}: skip the step that waits (a pause, checks, a watch or a webhook gate). */
    static Progress promote(Plan plan, Progress p, long now) {
        if (p.phase() != Phase.PROGRESSING || p.step() >= plan.steps().size()) return p;
        return p.next(now, "promoted by a user past: " + plan.steps().get(p.step()).describe());
    }
}
