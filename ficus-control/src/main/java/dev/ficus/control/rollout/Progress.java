package dev.ficus.control.rollout;

/**
 * How far one plan has run: the rollout's own, or one strangler route's. Immutable; times are
 * epoch milliseconds (so that the state file is plain JSON).
 *
 * @param step           index of the current step in the plan (= its size when done)
 * @param weight         the candidate's share of traffic now (percent)
 * @param preview        whether the preview (A/B) route sends matching requests to the candidate
 * @param passes         passing checks in a row at the current step
 * @param failures       failed checks since the rollout began
 * @param stepStarted    when the current step began
 * @param lastProgress   when a step last moved (the progress deadline counts from here)
 * @param message        why it is where it is, for people
 */
public record Progress(Phase phase, int step, int weight, boolean preview, int passes, int failures,
                       long stepStarted, long lastProgress, String message) {

    static Progress start(long now) {
        return new Progress(Phase.PROGRESSING, 0, 0, false, 0, 0, now, now, "started");
    }

    Progress phase(Phase p, String why) { return new Progress(p, step, weight, preview, passes, failures, stepStarted, lastProgress, why); }

    Progress next(long now, String why) { return new Progress(phase, step + 1, weight, preview, 0, failures, now, now, why); }

    Progress traffic(int w, boolean pv) { return new Progress(phase, step, w, pv, passes, failures, stepStarted, lastProgress, message); }

    Progress passed(String why) { return new Progress(phase, step, weight, preview, passes + 1, failures, stepStarted, lastProgress, why); }

    Progress failed(String why) { return new Progress(phase, step, weight, preview, 0, failures + 1, stepStarted, lastProgress, why); }

    Progress held(String why) { return new Progress(phase, step, weight, preview, passes, failures, stepStarted, lastProgress, why); }

    Progress resumed(long now) { return new Progress(Phase.PROGRESSING, step, weight, preview, passes, failures, stepStarted, now, "resumed"); }

    /** All traffic back on stable. */
    Progress rolledBack(Phase p, String why) { return new Progress(p, step, 0, false, 0, failures, stepStarted, lastProgress, why); }

    /** Whether the candidate takes user traffic now. */
    boolean candidateServes() { return weight > 0 || preview; }
}
