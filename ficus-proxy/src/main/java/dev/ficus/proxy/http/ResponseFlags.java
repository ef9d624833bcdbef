package dev.ficus.proxy.http;

/**
 * The set of {@link ResponseFlag}s of one exchange, as a bit mask (one bit per flag's ordinal):
 * Envoy sets several flags on one request, e.g. {@code UT} and {@code URX} when the per-try
 * timeouts used up the retries. Rendered as Envoy's {@code %RESPONSE_FLAGS%} does: {@code -} for
 * none, else the short names joined by commas in Envoy's order (its {@code CoreResponseFlag}
 * enum), flags Envoy does not have last. Called from any thread; allocates only to render a set
 * of more than one flag.
 */
public final class ResponseFlags {
    public static final int NONE = 0;
    private static final ResponseFlag[] BY_ORDINAL = ResponseFlag.values();

    /** ficus's flags in the order Envoy writes them; the ones Envoy has not (RT, RBAC, JWT) follow. */
    private static final ResponseFlag[] ENVOY_ORDER = {
        ResponseFlag.UH, ResponseFlag.UT, ResponseFlag.UR, ResponseFlag.UF, ResponseFlag.UC, ResponseFlag.UO,
        ResponseFlag.NR, ResponseFlag.DI, ResponseFlag.FI, ResponseFlag.DC, ResponseFlag.URX, ResponseFlag.DPE,
        ResponseFlag.UPE, ResponseFlag.DF, ResponseFlag.RT, ResponseFlag.RBAC, ResponseFlag.JWT,
    };

    static {
        if (ENVOY_ORDER.length != BY_ORDINAL.length) throw new ExceptionInInitializerError("a response flag has no place in ENVOY_ORDER");
    }

    private ResponseFlags() {}

    /** The set holding {@code f} only; empty for null. */
    public static int of(ResponseFlag f) { return f == null ? NONE : 1 << f.ordinal(); }

    /** {@code flags} with {@code f} added (null adds nothing). */
    public static int with(int flags, ResponseFlag f) { return flags | of(f); }

    public static boolean has(int flags, ResponseFlag f) { return (flags & of(f)) != 0; }

    /** Envoy's rendering: {@code -}, {@code UT}, {@code UT,URX} ... */
    public static String names(int flags) {
        if (flags == NONE) return "-";
        if (Integer.bitCount(flags) == 1) return BY_ORDINAL[Integer.numberOfTrailingZeros(flags)].name();
        StringBuilder b = new StringBuilder(12);
        for (ResponseFlag f : ENVOY_ORDER) {
            if (has(flags, f)) {
                if (!b.isEmpty()) b.append(',');
                b.append(f.name());
            }
        }
        return b.toString();
    }
}
