package dev.ficus.bench.load;

import java.time.Duration;
import java.util.List;

/**
 * Where a ramp's steps stop meeting the objective: the last step before the first broken one.
 * A pure function of the steps, so it is judged the same way in a test as after a real run.
 *
 * @param outcome     which of the three answers the ramp gave
 * @param kneeIndex   the index of the highest step that met the objective, or -1 when the first
 *                    step already broke it
 * @param brokenIndex the index of the first broken step, or -1 when every step met the objective
 */
public record Knee(Outcome outcome, int kneeIndex, int brokenIndex) {

    public enum Outcome {
        /** A step met the objective and the next one did not. */
        FOUND,
        /** Every step met the objective: the knee lies above the ramp's MAX. */
        HELD,
        /** The first step already broke the objective: the knee lies below START. */
        BROKE_AT_FIRST
    }

    /**
     * Judges {@code steps} in order; only steps up to the first broken one count (a ramp stops
     * there, and a later step that happens to pass does not move the knee up).
     */
    public static Knee find(List<RampStep> steps, Duration sloP99) {
        if (steps.isEmpty()) throw new IllegalArgumentException("a ramp has at least one step");
        for (int i = 0; i < steps.size(); i++) {
            if (!steps.get(i).met(sloP99)) {
                return i == 0 ? new Knee(Outcome.BROKE_AT_FIRST, -1, 0) : new Knee(Outcome.FOUND, i - 1, i);
            }
        }
        return new Knee(Outcome.HELD, steps.size() - 1, -1);
    }
}
