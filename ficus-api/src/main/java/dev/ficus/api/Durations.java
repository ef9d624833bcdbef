package dev.ficus.api;

import java.math.BigDecimal;
import java.time.Duration;

/**
 * Istio's duration strings: a sequence of decimal numbers each with a unit, as Go's
 * {@code time.ParseDuration} reads them ({@code 10s}, {@code 1.5s}, {@code 100ms}, {@code 1h30m});
 * units ns, us (or µs), ms, s, m, h. Negative durations are refused: no Istio field takes one.
 */
public final class Durations {
    private Durations() {
    }

    /** Thrown with a message fit for a user: what was wrong and what is accepted. */
    public static final class DurationFormatException extends IllegalArgumentException {
        public DurationFormatException(String message) {
            super(message);
        }
    }

    public static Duration parse(String text) {
        if (text == null || text.isEmpty()) {
            throw bad(text, "empty");
        }
        if (text.equals("0")) {
            return Duration.ZERO;
        }
        long nanos = 0;
        int i = 0;
        int n = text.length();
        if (text.charAt(0) == '-' || text.charAt(0) == '+') {
            throw bad(text, text.charAt(0) == '-' ? "must not be negative" : "no sign allowed");
        }
        while (i < n) {
            int start = i;
            while (i < n && (Character.isDigit(text.charAt(i)) || text.charAt(i) == '.')) {
                i++;
            }
            String number = text.substring(start, i);
            if (number.isEmpty() || number.equals(".") || number.indexOf('.') != number.lastIndexOf('.')) {
                throw bad(text, "expected a number at position " + (start + 1));
            }
            int unitStart = i;
            while (i < n && !Character.isDigit(text.charAt(i)) && text.charAt(i) != '.') {
                i++;
            }
            String unit = text.substring(unitStart, i);
            long scale = switch (unit) {
                case "ns" -> 1L;
                case "us", "µs", "μs" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                case "h" -> 3_600_000_000_000L;
                case "" -> throw bad(text, "missing unit after " + number);
                default -> throw bad(text, "unknown unit '" + unit + "'");
            };
            long term = term(number, scale);
            if (term < 0 || nanos > Long.MAX_VALUE - term) {
                throw bad(text, "too large");
            }
            nanos += term;
        }
        return Duration.ofNanos(nanos);
    }

    /**
     * {@code number} (digits with at most one '.') times {@code scale} nanoseconds, truncated to
     * whole nanoseconds; -1 when over {@code Long.MAX_VALUE}. Exact in longs when the fraction's
     * digits divide the unit (every case but sub-nanosecond fractions); BigDecimal otherwise, whose
     * class set-up costs a proxy's start some 30 ms, so the usual {@code 10s} never loads it.
     */
    private static long term(String number, long scale) {
        int dot = number.indexOf('.');
        String whole = dot < 0 ? number : number.substring(0, dot);
        String fraction = dot < 0 ? "" : number.substring(dot + 1);
        int digits = fraction.length();
        while (digits > 0 && fraction.charAt(digits - 1) == '0') digits--; // 1.50s is 1.5s
        long pow = 1;
        for (int d = 0; d < digits && pow <= scale; d++) pow *= 10;
        if (whole.length() <= 18 && pow <= scale && scale % pow == 0) {
            try {
                long w = whole.isEmpty() ? 0 : Long.parseLong(whole);
                long f = digits == 0 ? 0 : Long.parseLong(fraction, 0, digits, 10);
                return Math.addExact(Math.multiplyExact(w, scale), f * (scale / pow));
            } catch (ArithmeticException tooLarge) {
                return -1;
            }
        }
        BigDecimal exact = new BigDecimal(number).multiply(BigDecimal.valueOf(scale));
        return exact.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0 ? -1 : exact.longValue();
    }

    private static DurationFormatException bad(String text, String why) {
        return new DurationFormatException("invalid duration '" + text + "': " + why
                + " (use a number and a unit: ns, us, ms, s, m, h; e.g. 1.5s, 100ms, 1h30m)");
    }

    /** The shortest Istio-style text for a duration, e.g. {@code 1.5s}, {@code 100ms}. */
    public static String format(Duration d) {
        long nanos = d.toNanos();
        if (nanos == 0) return "0s";
        if (nanos % 3_600_000_000_000L == 0) return nanos / 3_600_000_000_000L + "h";
        if (nanos % 60_000_000_000L == 0) return nanos / 60_000_000_000L + "m";
        if (nanos % 1_000_000_000L == 0) return nanos / 1_000_000_000L + "s";
        if (nanos % 1_000_000L == 0) return nanos / 1_000_000L + "ms";
        if (nanos % 1_000L == 0) return nanos / 1_000L + "us";
        return nanos + "ns";
    }
}
