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
        BigDecimal nanos = BigDecimal.ZERO;
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
            nanos = nanos.add(new BigDecimal(number).multiply(BigDecimal.valueOf(scale)));
            if (nanos.compareTo(MAX_NANOS) > 0) {
                throw bad(text, "too large");
            }
        }
        return Duration.ofNanos(nanos.longValue());
    }

    private static final BigDecimal MAX_NANOS = BigDecimal.valueOf(Long.MAX_VALUE);

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
