package dev.ficus.bench.load;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A ramp: open-loop steps at {@code start}, {@code start + step}, … up to {@code max} requests/s,
 * each judged against a p99 objective, to find the knee (the highest rate the target serves
 * within it). Immutable and checked when built; each step is one ordinary open-loop run.
 *
 * @param start  the first step's rate, requests/s
 * @param step   the increase from one step to the next, requests/s
 * @param max    the last step's rate; when {@code max - start} is not a whole number of steps,
 *               {@code max} itself is the last step, so the rate a user names is always tried
 * @param sloP99 a step meets the objective when its corrected p99 is at most this
 */
public record RampConfig(double start, double step, double max, Duration sloP99) {

    /** Bounds a typo (a STEP of 0.001) before it becomes a run of days. */
    public static final int MAX_STEPS = 1_000;

    public RampConfig {
        Objects.requireNonNull(sloP99, "sloP99");
        if (!(start > 0) || Double.isInfinite(start)) {
            throw new IllegalArgumentException("START must be more than 0 requests/s, got " + start);
        }
        if (!(step > 0) || Double.isInfinite(step)) {
            throw new IllegalArgumentException("STEP must be more than 0 requests/s, got " + step);
        }
        if (!(max >= start) || Double.isInfinite(max)) {
            throw new IllegalArgumentException("START (" + number(start) + ") is above MAX (" + number(max) + ")");
        }
        double steps = Math.floor((max - start) / step + 1e-9) + 1;
        if (steps > MAX_STEPS) {
            throw new IllegalArgumentException("that is " + number(steps) + " steps; at most " + MAX_STEPS
                    + " (raise STEP)");
        }
        if (sloP99.isNegative() || sloP99.isZero()) {
            throw new IllegalArgumentException("the p99 objective must be more than 0");
        }
    }

    /**
     * Reads {@code START:STEP:MAX} (requests/s, decimals allowed), e.g. {@code 100:100:2000}.
     *
     * @throws IllegalArgumentException with a message fit for a user
     */
    public static RampConfig parse(String text, Duration sloP99) {
        String[] parts = text == null ? new String[0] : text.split(":", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("expected START:STEP:MAX in requests/s, e.g. 100:100:2000, got '"
                    + text + "'");
        }
        double[] values = new double[3];
        for (int i = 0; i < 3; i++) {
            try {
                values[i] = Double.parseDouble(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("expected START:STEP:MAX in requests/s, e.g. 100:100:2000, got '"
                        + text + "'");
            }
            if (Double.isNaN(values[i])) {
                throw new IllegalArgumentException("expected numbers in START:STEP:MAX, got '" + text + "'");
            }
        }
        return new RampConfig(values[0], values[1], values[2], sloP99);
    }

    /** The rates of all steps, in order: start, start + step, …, then max if the steps skip it. */
    public List<Double> rates() {
        List<Double> rates = new ArrayList<>();
        // Multiplying (not adding up) keeps 0.1-sized steps from drifting; the epsilon keeps
        // a MAX that is exactly on the grid (100:100:1000) from being lost to rounding.
        for (int i = 0; ; i++) {
            double r = start + i * step;
            if (r > max * (1 + 1e-12)) break;
            rates.add(Math.min(r, max));
        }
        if (rates.getLast() < max) rates.add(max);
        return List.copyOf(rates);
    }

    private static String number(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }
}
