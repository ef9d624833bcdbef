package dev.ficus.api.cel;

import java.util.Locale;

/**
 * Parses and prints filter expressions. What ficus accepts is a subset of CEL, so a filter that
 * ficus accepts means the same in Istio's Envoy:
 * <ul>
 *   <li>attributes: {@link CelAttribute}, and {@code request.headers['name']};
 *   <li>literals: ints ({@code 400}, {@code 0x1F}, {@code -1}), strings ({@code 'a'}, {@code "a"},
 *       with CEL's escapes), {@code true}, {@code false}, {@code duration('1.5s')};
 *   <li>{@code == != < <= > >=} between values of one type, {@code && || !}, parentheses,
 *       {@code x in [a, b]}, {@code 'name' in request.headers}, and
 *       {@code startsWith}, {@code endsWith}, {@code contains} on strings.
 * </ul>
 * Anything else (arithmetic, {@code ?:}, maps, floats, other functions) is a
 * {@link CelParseException} naming what is not supported.
 */
public final class Cel {
    private Cel() {}

    /** Parses and type-checks a filter; the result is a condition (type BOOL). */
    public static CelExpr parse(String expression) {
        return CelParser.parse(expression);
    }

    /** The text of {@code e} with the fewest parentheses that parse back to {@code e}. */
    public static String print(CelExpr e) {
        StringBuilder b = new StringBuilder();
        print(b, e);
        return b.toString();
    }

    // precedence: || 1, && 2, relations 3, unary 4, member and primary 5
    private static int precedence(CelExpr e) {
        return switch (e) {
            case CelExpr.Logical l -> l.and() ? 2 : 1;
            case CelExpr.Compare c -> 3;
            case CelExpr.In i -> 3;
            case CelExpr.HasHeader h -> 3;
            case CelExpr.Not n -> 4;
            case CelExpr.IntLit i -> i.value() < 0 ? 4 : 5;
            default -> 5;
        };
    }

    private static void print(StringBuilder b, CelExpr e, int atLeast) {
        boolean parens = precedence(e) < atLeast;
        if (parens) b.append('(');
        print(b, e);
        if (parens) b.append(')');
    }

    private static void print(StringBuilder b, CelExpr e) {
        switch (e) {
            case CelExpr.BoolLit v -> b.append(v.value());
            case CelExpr.IntLit v -> b.append(v.value());
            case CelExpr.StringLit v -> quote(b, v.value());
            case CelExpr.DurationLit v -> quote(b.append("duration("), v.text()).append(')');
            case CelExpr.Attr v -> b.append(v.attribute().celName());
            case CelExpr.Header v -> quote(b.append("request.headers["), v.name()).append(']');
            case CelExpr.HasHeader v -> quote(b, v.name()).append(" in request.headers");
            case CelExpr.Not v -> {
                b.append('!');
                print(b, v.operand(), 4);
            }
            case CelExpr.Logical v -> {
                int p = v.and() ? 2 : 1;
                print(b, v.left(), p);
                b.append(v.and() ? " && " : " || ");
                print(b, v.right(), p + 1);
            }
            case CelExpr.Compare v -> {
                print(b, v.left(), 3);
                b.append(' ').append(v.op().symbol()).append(' ');
                print(b, v.right(), 4);
            }
            case CelExpr.In v -> {
                print(b, v.value(), 3);
                b.append(" in [");
                for (int i = 0; i < v.list().size(); i++) {
                    if (i > 0) b.append(", ");
                    print(b, v.list().get(i), 1);
                }
                b.append(']');
            }
            case CelExpr.StringCall v -> {
                print(b, v.target(), 5);
                b.append('.').append(v.function().celName()).append('(');
                print(b, v.argument(), 1);
                b.append(')');
            }
        }
    }

    private static StringBuilder quote(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) b.append(String.format(Locale.ROOT, "\\x%02x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"');
    }
}
