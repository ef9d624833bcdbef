package dev.ficus.control.rollout;

import dev.ficus.api.mesh.Rollout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The steps a rollout goes through, derived from its strategy: what the controller executes.
 * Immutable.
 */
record Plan(List<Step> steps) {
    Plan {
        steps = List.copyOf(steps);
    }

    /** One step of a plan. */
    sealed interface Step {
        /** Label shown by {@code ficus rollout status}. */
        String describe();
    }

    /** Asks the webhooks of {@code type}; moves on when every one answers 2xx (none: at once). */
    record Gate(String type) implements Step {
        public String describe() { return "webhooks " + type; }
    }

    /** Sets the candidate's share of traffic, and whether the preview (A/B) route sends matching requests to it. */
    record Weight(int weight, boolean preview) implements Step {
        public String describe() { return preview ? "preview route to the candidate" : "set weight " + weight + "%"; }
    }

    /** Waits {@code duration}; without one, until promoted. */
    record Wait(Duration duration) implements Step {
        public String describe() { return duration == null ? "pause until promoted" : "pause " + dev.ficus.api.Durations.format(duration); }
    }

    /** Waits for {@code count} passing checks in a row. */
    record Checks(int count) implements Step {
        public String describe() { return count + " passing check" + (count == 1 ? "" : "s"); }
    }

    /** All traffic to the candidate. */
    record Promote() implements Step {
        public String describe() { return "promote: all traffic to the candidate"; }
    }

    /** After promotion, checks go on for {@code duration}; failures switch back. */
    record Watch(Duration duration) implements Step {
        public String describe() { return "watch " + dev.ficus.api.Durations.format(duration) + " after the switch"; }
    }

    /** The plan of a Rollout (for a strangler: of one of its routes, {@link #ofRoute}). */
    static Plan of(Rollout r) {
        Rollout.Strategy s = r.strategy();
        Duration interval = r.analysisOrDefault().intervalOrDefault();
        List<Step> out = new ArrayList<>();
        out.add(new Gate("pre-rollout"));
        if (s.canary() != null) {
            canary(s.canary(), out);
        } else if (s.blueGreen() != null) {
            var bg = s.blueGreen();
            switchOver(bg.previewMatch().isEmpty() ? 0 : bg.prePromotionChecks() == null ? 1 : bg.prePromotionChecks(),
                    !Boolean.FALSE.equals(bg.autoPromote()), bg.postPromotionWindow(), interval, out, !bg.previewMatch().isEmpty());
            return new Plan(out);
        } else if (s.bigBang() != null) {
            var bb = s.bigBang();
            switchOver(bb.preChecks() == null ? 0 : bb.preChecks(), true, bb.postPromotionWindow(), interval, out, !bb.previewMatch().isEmpty());
            return new Plan(out);
        } else if (s.parallelRun() != null) {
            // Mirrored traffic only: the comparison gate is the check; the candidate takes no user traffic until promoted.
            out.add(new Checks(1));
        }
        out.add(new Gate("confirm-promotion"));
        out.add(new Promote());
        return new Plan(out);
    }

    private static void switchOver(int checks, boolean auto, Duration window, Duration interval, List<Step> out, boolean preview) {
        if (preview) out.add(new Weight(0, true));
        if (checks > 0) out.add(new Checks(checks));
        if (!auto) out.add(new Wait(null));
        out.add(new Gate("confirm-promotion"));
        out.add(new Promote());
        out.add(new Watch(window != null ? window : interval.multipliedBy(2)));
    }

    private static void canary(Rollout.Canary c, List<Step> out) {
        if (!c.match().isEmpty()) {
            out.add(new Weight(0, true));
            out.add(new Checks(c.iterations() == null ? 1 : c.iterations()));
            out.add(new Weight(0, false));
        }
        if (!c.steps().isEmpty()) {
            for (Rollout.Step st : c.steps()) {
                if (st.setWeight() != null) out.add(new Weight(st.setWeight(), false));
                else if (st.pause() != null) out.add(new Wait(st.pause().duration()));
                else if (st.analysis() != null) out.add(new Checks(st.analysis().checks() == null ? 1 : st.analysis().checks()));
            }
        } else {
            for (int w : weights(c)) {
                out.add(new Weight(w, false));
                out.add(new Checks(1));
            }
        }
    }

    /** The generated weights of a canary without explicit steps. */
    static List<Integer> weights(Rollout.Canary c) {
        if (!c.stepWeights().isEmpty()) return c.stepWeights();
        if (c.stepWeight() == null) return List.of();
        int max = c.maxWeight() == null ? 100 : c.maxWeight();
        List<Integer> out = new ArrayList<>();
        for (int w = c.stepWeight(); w <= max && w < 100; w += c.stepWeight()) out.add(w);
        if (out.isEmpty()) out.add(Math.min(c.stepWeight(), 99));
        return out;
    }

    /** One strangler route: moved as a canary when it has one, else at once. */
    static Plan ofRoute(Rollout.StranglerRoute route) {
        List<Step> out = new ArrayList<>();
        if (route.canary() != null) canary(route.canary(), out);
        out.add(new Promote());
        return new Plan(out);
    }
}
