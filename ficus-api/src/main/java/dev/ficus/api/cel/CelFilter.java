package dev.ficus.api.cel;

import dev.ficus.api.cel.CelExpr.Compare;

/**
 * A compiled filter: decides per request whether it is logged. Evaluation follows CEL's rules for
 * absent values: reading an attribute or header the request does not have is an error, {@code &&}
 * and {@code ||} absorb an error when their other side decides ({@code false && err} is false,
 * {@code true || err} is true), and a filter that ends in an error does not match (Envoy's CEL
 * access-log filter does the same). Thread-safe and allocation-free given an activation that
 * does not allocate.
 */
public final class CelFilter {
    private static final int FALSE = 0, TRUE = 1, ERROR = -1;

    private final String expression;
    private final CelExpr root;

    private CelFilter(String expression, CelExpr root) {
        this.expression = expression;
        this.root = root;
    }

    /** Parses and checks {@code expression}; throws {@link CelParseException} when ficus cannot evaluate it. */
    public static CelFilter compile(String expression) {
        return new CelFilter(expression, Cel.parse(expression));
    }

    public String expression() { return expression; }

    public CelExpr root() { return root; }

    /** Whether the request matches (true), or does not or the filter errs on it (false). */
    public <C> boolean test(CelActivation<C> a, C request) {
        return test(root, a, request) == TRUE;
    }

    private static <C> int test(CelExpr e, CelActivation<C> a, C r) {
        return switch (e) {
            case CelExpr.BoolLit v -> v.value() ? TRUE : FALSE;
            case CelExpr.Attr v -> a.bool(r, v.attribute()) ? TRUE : FALSE;
            case CelExpr.HasHeader v -> a.header(r, v.name()) != null ? TRUE : FALSE;
            case CelExpr.Not v -> {
                int x = test(v.operand(), a, r);
                yield x == ERROR ? ERROR : TRUE - x;
            }
            case CelExpr.Logical v -> {
                int decides = v.and() ? FALSE : TRUE;
                int l = test(v.left(), a, r);
                if (l == decides) yield decides;
                int rr = test(v.right(), a, r);
                if (rr == decides) yield decides;
                yield l == ERROR || rr == ERROR ? ERROR : 1 - decides;
            }
            case Compare v -> compare(v, a, r);
            case CelExpr.In v -> in(v, a, r);
            case CelExpr.StringCall v -> {
                String t = string(v.target(), a, r);
                String s = string(v.argument(), a, r);
                if (t == null || s == null) yield ERROR;
                boolean m = switch (v.function()) {
                    case STARTS_WITH -> t.startsWith(s);
                    case ENDS_WITH -> t.endsWith(s);
                    case CONTAINS -> t.contains(s);
                };
                yield m ? TRUE : FALSE;
            }
            default -> throw new IllegalStateException("not a condition: " + e); // the parser checked types
        };
    }

    private static <C> int compare(Compare c, CelActivation<C> a, C r) {
        int order;
        switch (c.left().type()) {
            case BOOL -> {
                int l = test(c.left(), a, r), rr = test(c.right(), a, r);
                if (l == ERROR || rr == ERROR) return ERROR;
                order = Integer.compare(l, rr);
            }
            case STRING -> {
                String l = string(c.left(), a, r), rr = string(c.right(), a, r);
                if (l == null || rr == null) return ERROR;
                order = l.compareTo(rr);
            }
            default -> {
                long l = number(c.left(), a, r), rr = number(c.right(), a, r);
                if (absent(c.left(), l) || absent(c.right(), rr)) return ERROR;
                order = Long.compare(l, rr);
            }
        }
        boolean m = switch (c.op()) {
            case EQ -> order == 0;
            case NE -> order != 0;
            case LT -> order < 0;
            case LE -> order <= 0;
            case GT -> order > 0;
            case GE -> order >= 0;
        };
        return m ? TRUE : FALSE;
    }

    private static <C> int in(CelExpr.In in, CelActivation<C> a, C r) {
        boolean error = false;
        if (in.value().type() == CelType.STRING) {
            String v = string(in.value(), a, r);
            if (v == null) return ERROR;
            for (CelExpr item : in.list()) {
                String s = string(item, a, r);
                if (s == null) error = true;
                else if (s.equals(v)) return TRUE;
            }
        } else {
            long v = number(in.value(), a, r);
            if (absent(in.value(), v)) return ERROR;
            for (CelExpr item : in.list()) {
                long n = number(item, a, r);
                if (absent(item, n)) error = true;
                else if (n == v) return TRUE;
            }
        }
        return error ? ERROR : FALSE;
    }

    /** Only an attribute can be absent: an int literal may be Long.MIN_VALUE. */
    private static boolean absent(CelExpr e, long v) {
        return v == CelActivation.ABSENT && e instanceof CelExpr.Attr;
    }

    private static <C> String string(CelExpr e, CelActivation<C> a, C r) {
        return switch (e) {
            case CelExpr.StringLit v -> v.value();
            case CelExpr.Attr v -> a.string(r, v.attribute());
            case CelExpr.Header v -> a.header(r, v.name());
            default -> throw new IllegalStateException("not a string: " + e);
        };
    }

    private static <C> long number(CelExpr e, CelActivation<C> a, C r) {
        return switch (e) {
            case CelExpr.IntLit v -> v.value();
            case CelExpr.DurationLit v -> v.nanos();
            case CelExpr.Attr v -> a.number(r, v.attribute());
            default -> throw new IllegalStateException("not a number: " + e);
        };
    }

    @Override
    public String toString() { return expression; }
}
