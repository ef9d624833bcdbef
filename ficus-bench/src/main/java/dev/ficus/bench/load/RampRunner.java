package dev.ficus.bench.load;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs a ramp: one ordinary open-loop {@link LoadGenerator} run per step (its own warm-up, its
 * own connections, the same coordinated-omission correction), stopping at the first step that
 * breaks the objective. The request path is the generator's, untouched; this class only decides
 * the next rate between runs, on the calling thread.
 *
 * <p>Not thread-safe; one ramp per instance.
 */
public final class RampRunner {

    /** Hears about the ramp on the thread that called {@link #run}. */
    public interface Listener {
        /** Once a second while step {@code index} runs (see {@link Progress}). */
        default void onProgress(int index, double askedRate, Progress progress) {
        }

        /** After step {@code index} ended, before the next one starts. */
        default void onStep(int index, RampStep step, LoadResult result) {
        }

        Listener NONE = new Listener() {
        };
    }

    /**
     * The steps that ran, in order, and the knee they give.
     *
     * @param steps   what each step is judged on
     * @param results the full result of each step (same indices), e.g. for SMP or Fortio JSON
     * @param knee    where the objective stopped being met
     */
    public record Result(List<RampStep> steps, List<LoadResult> results, Knee knee) {
        public Result {
            steps = List.copyOf(steps);
            results = List.copyOf(results);
        }
    }

    private final LoadConfig base;
    private final RampConfig ramp;

    /**
     * @param base every step's config but the rate: duration and warm-up are per step
     * @param ramp the rates and the objective
     */
    public RampRunner(LoadConfig base, RampConfig ramp) {
        if (base.closedLoop()) throw new IllegalArgumentException("a ramp's steps are open loop; give a rate, not max");
        this.base = base;
        this.ramp = ramp;
    }

    public Result run(Listener listener) throws InterruptedException {
        List<RampStep> steps = new ArrayList<>();
        List<LoadResult> results = new ArrayList<>();
        List<Double> rates = ramp.rates();
        for (int i = 0; i < rates.size(); i++) {
            int index = i;
            double rate = rates.get(i);
            LoadResult r = new LoadGenerator(base.withRate(rate)).run(p -> listener.onProgress(index, rate, p));
            RampStep step = RampStep.of(r);
            steps.add(step);
            results.add(r);
            listener.onStep(i, step, r);
            if (!step.met(ramp.sloP99())) break;
        }
        return new Result(steps, results, Knee.find(steps, ramp.sloP99()));
    }
}
