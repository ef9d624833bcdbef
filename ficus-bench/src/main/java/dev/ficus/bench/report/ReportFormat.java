package dev.ficus.bench.report;

import java.math.BigDecimal;

/** Small formatting helpers shared by the reports. */
public final class ReportFormat {
    private ReportFormat() {
    }

    /** A number without a trailing ".0" and without exponent: 500, 12.5. */
    public static String number(double d) {
        return BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
    }
}
