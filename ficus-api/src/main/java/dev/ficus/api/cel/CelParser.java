package dev.ficus.api.cel;

import dev.ficus.api.Durations;
import dev.ficus.api.cel.CelExpr.Compare;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Recursive descent over CEL's grammar (or, and, relations, unary, member, primary), checking
 * types as it builds each node so that an error points at the operator or token that caused it.
 * What CEL has and ficus does not (arithmetic, ?:, maps, floats, most functions) is refused by
 * name rather than as a syntax error.
 */
final class CelParser {
    private static final int MAX_DEPTH = 64;

    private final String src;
    private int pos;       // next unread char
    // the current token
    private Kind kind;
    private String text;   // identifier, operator, unescaped string, digits
    private int start;     // offset of the current token
    private int depth;

    private enum Kind { IDENT, INT, STRING, OP, EOF }

    /** A parsed operand: a checked expression, or one of the forms that are valid only in some places. */
    private static final class P {
        CelExpr expr;
        String name;       // an attribute path not resolved yet (request.path)
        boolean headers;   // request.headers
        List<P> list;      // a list literal
        final int at;

        P(int at) { this.at = at; }

        static P of(CelExpr e, int at) {
            P p = new P(at);
            p.expr = e;
            return p;
        }
    }

    private CelParser(String src) {
        this.src = src;
    }

    static CelExpr parse(String src) {
        CelParser p = new CelParser(src);
        p.next();
        if (p.kind == Kind.EOF) throw new CelParseException(0, "empty expression; write a condition such as response.code >= 400");
        CelExpr e = valueOf(p.expression());
        if (p.kind != Kind.EOF) throw p.unexpected("an operator (&&, ||, ==, ...) or the end");
        if (e.type() != CelType.BOOL) {
            throw new CelParseException(0, "the filter must be a condition (true or false), not " + article(e.type())
                    + "; e.g. response.code >= 400");
        }
        return e;
    }

    // ---- grammar

    private P expression() {
        P e = or();
        if (isOp("?")) throw new CelParseException(start, "the conditional operator ?: is not supported; combine conditions with && and ||");
        return e;
    }

    private P or() {
        P l = and();
        while (isOp("||")) {
            int at = start;
            next();
            P r = and();
            l = P.of(new CelExpr.Logical(false, condition(l, "||", at), condition(r, "||", at)), l.at);
        }
        return l;
    }

    private P and() {
        P l = relation();
        while (isOp("&&")) {
            int at = start;
            next();
            P r = relation();
            l = P.of(new CelExpr.Logical(true, condition(l, "&&", at), condition(r, "&&", at)), l.at);
        }
        return l;
    }

    private P relation() {
        P l = additive();
        while (true) {
            int at = start;
            if (kind == Kind.IDENT && text.equals("in")) {
                next();
                l = in(l, additive(), at);
                continue;
            }
            Compare.Op op = compareOp();
            if (op == null) return l;
            next();
            P r = additive();
            l = P.of(compare(op, valueOf(l), valueOf(r), at), l.at);
        }
    }

    private P additive() {
        P e = unary();
        if (kind == Kind.OP && "+-*/%".contains(text)) {
            throw new CelParseException(start, "arithmetic (" + text + ") is not supported in access-log filters; compare attributes with literals, e.g. response.code >= 500");
        }
        return e;
    }

    private P unary() {
        if (isOp("!")) {
            int at = start;
            next();
            enter(at);
            P operand = unary();
            depth--;
            CelExpr e = valueOf(operand);
            if (e.type() != CelType.BOOL) throw new CelParseException(at, "! needs a condition, not " + article(e.type()));
            return P.of(new CelExpr.Not(e), at);
        }
        if (isOp("-")) {
            int at = start;
            next();
            if (kind != Kind.INT) throw new CelParseException(at, "negation (-) is supported only before an int literal, e.g. -1");
            P lit = P.of(new CelExpr.IntLit(integer("-" + text, at)), at);
            next();
            return member(lit);
        }
        return member(primary());
    }

    private P primary() {
        int at = start;
        switch (kind) {
            case INT -> {
                long v = integer(text, at);
                next();
                return P.of(new CelExpr.IntLit(v), at);
            }
            case STRING -> {
                String s = text;
                next();
                return P.of(new CelExpr.StringLit(s), at);
            }
            case IDENT -> {
                String id = text;
                next();
                switch (id) {
                    case "true", "false" -> { return P.of(new CelExpr.BoolLit(id.equals("true")), at); }
                    case "null" -> throw new CelParseException(at, "null is not supported; test a header with 'x-name' in request.headers");
                    case "in" -> throw new CelParseException(at, "expected a value before 'in'");
                    default -> { }
                }
                if (isOp("(")) return function(id, at);
                P p = new P(at);
                p.name = id;
                return p;
            }
            case OP -> {
                switch (text) {
                    case "(" -> {
                        next();
                        enter(at);
                        P e = expression();
                        depth--;
                        expect(")");
                        return e;
                    }
                    case "[" -> {
                        next();
                        enter(at);
                        P list = new P(at);
                        list.list = new ArrayList<>();
                        while (!isOp("]")) {
                            list.list.add(expression());
                            if (isOp(",")) next();
                            else if (!isOp("]")) throw unexpected("',' or ']'");
                        }
                        depth--;
                        next();
                        return list;
                    }
                    case "{" -> throw new CelParseException(at, "map literals are not supported");
                    default -> throw unexpected("a value (an attribute, a literal or '(')");
                }
            }
            default -> throw unexpected("a value (an attribute, a literal or '(')");
        }
    }

    /** Field selections, method calls and indexes after a primary. */
    private P member(P p) {
        while (true) {
            if (isOp(".")) {
                next();
                if (kind != Kind.IDENT) throw unexpected("a field or function name after '.'");
                String id = text;
                int at = start;
                next();
                if (isOp("(")) {
                    p = P.of(method(valueOf(p), id, at), p.at);
                } else if (p.name != null) {
                    p.name = p.name + "." + id;
                } else {
                    throw new CelParseException(at, "'" + id + "': " + (p.headers ? "index request.headers instead: request.headers['" + id + "']"
                            : p.list != null ? "a list has no fields" : article(p.expr.type()) + " has no fields"));
                }
            } else if (isOp("[")) {
                int at = start;
                resolve(p);
                if (!p.headers) throw new CelParseException(at, "indexing is supported only on request.headers, e.g. request.headers['x-user']");
                next();
                P key = expression();
                if (!(key.expr instanceof CelExpr.StringLit name)) {
                    throw new CelParseException(key.at, "a header name must be a string literal, e.g. request.headers['x-user']");
                }
                expect("]");
                p = P.of(new CelExpr.Header(name.value()), p.at);
            } else {
                return p;
            }
        }
    }

    private CelExpr method(CelExpr target, String id, int at) {
        CelExpr.StringCall.Function f = switch (id) {
            case "startsWith" -> CelExpr.StringCall.Function.STARTS_WITH;
            case "endsWith" -> CelExpr.StringCall.Function.ENDS_WITH;
            case "contains" -> CelExpr.StringCall.Function.CONTAINS;
            default -> throw new CelParseException(at, "function '" + id + "' is not supported; strings have startsWith, endsWith and contains");
        };
        List<P> args = arguments();
        if (args.size() != 1) throw new CelParseException(at, id + " takes one argument, got " + args.size());
        CelExpr arg = valueOf(args.getFirst());
        if (target.type() != CelType.STRING) throw new CelParseException(at, id + " applies to a string, not " + article(target.type()));
        if (arg.type() != CelType.STRING) throw new CelParseException(args.getFirst().at, id + " takes a string, not " + article(arg.type()));
        return new CelExpr.StringCall(f, target, arg);
    }

    private P function(String id, int at) {
        if (!id.equals("duration")) {
            throw new CelParseException(at, "function '" + id + "' is not supported; the only global function is duration, e.g. request.duration > duration('1s')");
        }
        List<P> args = arguments();
        if (args.size() != 1 || !(args.getFirst().expr instanceof CelExpr.StringLit s)) {
            throw new CelParseException(at, "duration takes one string literal, e.g. duration('1.5s')");
        }
        try {
            return P.of(new CelExpr.DurationLit(s.value(), Durations.parse(s.value()).toNanos()), at);
        } catch (IllegalArgumentException e) {
            throw new CelParseException(args.getFirst().at, e.getMessage());
        }
    }

    private List<P> arguments() {
        int at = start;
        next(); // (
        enter(at);
        List<P> args = new ArrayList<>();
        while (!isOp(")")) {
            args.add(expression());
            if (isOp(",")) next();
            else if (!isOp(")")) throw unexpected("',' or ')'");
        }
        depth--;
        next();
        return args;
    }

    // ---- checks

    private P in(P value, P container, int at) {
        resolve(container);
        if (container.headers) {
            if (!(value.expr instanceof CelExpr.StringLit name)) {
                throw new CelParseException(value.at, "the header tested with 'in request.headers' must be a string literal, e.g. 'x-user' in request.headers");
            }
            return P.of(new CelExpr.HasHeader(name.value()), value.at);
        }
        if (container.list == null) {
            throw new CelParseException(at, "'in' needs a list literal such as [500, 503] or request.headers on its right");
        }
        CelExpr v = valueOf(value);
        if (v.type() == CelType.BOOL) throw new CelParseException(at, "'in' needs an int, string or duration on its left, not a condition");
        List<CelExpr> items = new ArrayList<>();
        for (P item : container.list) {
            CelExpr e = valueOf(item);
            if (e.type() != v.type()) {
                throw new CelParseException(item.at, "this list item is " + article(e.type()) + " but the value tested is " + article(v.type()));
            }
            items.add(e);
        }
        return P.of(new CelExpr.In(v, items), value.at);
    }

    private static CelExpr compare(Compare.Op op, CelExpr l, CelExpr r, int at) {
        CelType t = l.type();
        if (t != r.type()) {
            String hint = "";
            if (t == CelType.INT && r instanceof CelExpr.StringLit s && s.value().matches("-?[0-9]+")) hint = "; write " + s.value() + " without quotes";
            if (r.type() == CelType.INT && l instanceof CelExpr.StringLit s && s.value().matches("-?[0-9]+")) hint = "; write " + s.value() + " without quotes";
            if ((t == CelType.DURATION) != (r.type() == CelType.DURATION)) hint = "; compare durations with duration('...'), e.g. request.duration > duration('500ms')";
            throw new CelParseException(at, "operator " + op.symbol() + " cannot compare " + article(t) + " with " + article(r.type()) + hint);
        }
        if (op != Compare.Op.EQ && op != Compare.Op.NE && t == CelType.BOOL) {
            throw new CelParseException(at, "operator " + op.symbol() + " does not order conditions; use == or !=");
        }
        return new Compare(op, l, r);
    }

    private static CelExpr condition(P p, String op, int at) {
        CelExpr e = valueOf(p);
        if (e.type() != CelType.BOOL) {
            throw new CelParseException(at, "operator " + op + " needs conditions on both sides, not " + article(e.type()) + " (e.g. response.code >= 500 " + op + " request.method == 'GET')");
        }
        return e;
    }

    /** The expression {@code p} stands for where a value is wanted. */
    private static CelExpr valueOf(P p) {
        resolve(p);
        if (p.headers) {
            throw new CelParseException(p.at, "request.headers is a map: read one header with request.headers['x-user'], or test one with 'x-user' in request.headers");
        }
        if (p.list != null) throw new CelParseException(p.at, "a list literal may only follow 'in', e.g. response.code in [500, 503]");
        return p.expr;
    }

    private static void resolve(P p) {
        if (p.name == null) return;
        String name = p.name;
        p.name = null;
        if (name.equals("request.headers")) {
            p.headers = true;
            return;
        }
        CelAttribute a = CelAttribute.byName(name);
        if (a == null) throw new CelParseException(p.at, unknown(name));
        p.expr = new CelExpr.Attr(a);
    }

    private static String unknown(String name) {
        if (name.startsWith("request.headers.")) {
            return "write request.headers['" + name.substring("request.headers.".length()) + "'] to read a header";
        }
        String root = name.contains(".") ? name.substring(0, name.indexOf('.') + 1) : name + ".";
        List<String> same = Arrays.stream(CelAttribute.values()).map(CelAttribute::celName).filter(n -> n.startsWith(root)).toList();
        String known = (same.isEmpty() ? Arrays.stream(CelAttribute.values()).map(CelAttribute::celName).toList() : same)
                .stream().collect(Collectors.joining(", "));
        return "unknown attribute '" + name + "'; ficus filters on " + known + (root.equals("request.") ? ", request.headers['NAME']" : "");
    }

    private static String article(CelType t) {
        return switch (t) {
            case INT -> "an int";
            case BOOL -> "a condition (bool)";
            case MAP -> "a map";
            default -> "a " + t.celName();
        };
    }

    private long integer(String digits, int at) {
        boolean negative = digits.startsWith("-");
        String d = negative ? digits.substring(1) : digits;
        try {
            if (d.startsWith("0x") || d.startsWith("0X")) return Long.parseLong((negative ? "-" : "") + d.substring(2), 16);
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw new CelParseException(at, "integer " + digits + " is out of range (64-bit)");
        }
    }

    private void enter(int at) {
        if (++depth > MAX_DEPTH) throw new CelParseException(at, "expression nested too deeply (more than " + MAX_DEPTH + " levels)");
    }

    private Compare.Op compareOp() {
        if (kind != Kind.OP) return null;
        return switch (text) {
            case "==" -> Compare.Op.EQ;
            case "!=" -> Compare.Op.NE;
            case "<" -> Compare.Op.LT;
            case "<=" -> Compare.Op.LE;
            case ">" -> Compare.Op.GT;
            case ">=" -> Compare.Op.GE;
            default -> null;
        };
    }

    private boolean isOp(String op) { return kind == Kind.OP && text.equals(op); }

    private void expect(String op) {
        if (!isOp(op)) throw unexpected("'" + op + "'");
        next();
    }

    private CelParseException unexpected(String wanted) {
        String got = switch (kind) {
            case EOF -> "the end of the expression";
            case STRING -> "a string";
            default -> "'" + text + "'";
        };
        return new CelParseException(start, "expected " + wanted + ", got " + got);
    }

    // ---- lexer

    private void next() {
        int n = src.length();
        while (pos < n) {
            char c = src.charAt(pos);
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
                pos++;
            } else if (c == '/' && pos + 1 < n && src.charAt(pos + 1) == '/') {
                while (pos < n && src.charAt(pos) != '\n') pos++;
            } else {
                break;
            }
        }
        start = pos;
        if (pos >= n) {
            kind = Kind.EOF;
            text = "";
            return;
        }
        char c = src.charAt(pos);
        if (c >= '0' && c <= '9' || c == '.' && pos + 1 < n && isDigit(src.charAt(pos + 1))) {
            number();
        } else if (c == '_' || Character.isLetter(c) && c < 128) {
            if ((c == 'r' || c == 'R' || c == 'b' || c == 'B') && pos + 1 < n && (src.charAt(pos + 1) == '\'' || src.charAt(pos + 1) == '"')) {
                throw new CelParseException(pos, (c == 'b' || c == 'B' ? "bytes" : "raw") + " string literals are not supported; write a plain 'string'");
            }
            int s = pos;
            while (pos < n && (src.charAt(pos) == '_' || isDigit(src.charAt(pos)) || Character.isLetter(src.charAt(pos)) && src.charAt(pos) < 128)) pos++;
            kind = Kind.IDENT;
            text = src.substring(s, pos);
        } else if (c == '\'' || c == '"') {
            string(c);
        } else {
            operator(c);
        }
    }

    private static boolean isDigit(char c) { return c >= '0' && c <= '9'; }

    private void number() {
        int n = src.length();
        int s = pos;
        if (src.charAt(pos) == '0' && pos + 1 < n && (src.charAt(pos + 1) == 'x' || src.charAt(pos + 1) == 'X')) {
            pos += 2;
            while (pos < n && Character.digit(src.charAt(pos), 16) >= 0 && src.charAt(pos) < 128) pos++;
            if (pos == s + 2) throw new CelParseException(s, "expected hex digits after 0x");
        } else {
            while (pos < n && isDigit(src.charAt(pos))) pos++;
            boolean fraction = pos < n && src.charAt(pos) == '.' && pos + 1 < n && isDigit(src.charAt(pos + 1));
            boolean exponent = pos < n && (src.charAt(pos) == 'e' || src.charAt(pos) == 'E');
            if (fraction || exponent || src.charAt(s) == '.') {
                throw new CelParseException(s, "floating-point numbers are not supported; the attributes ficus filters on are ints, strings and durations");
            }
        }
        if (pos < n && (src.charAt(pos) == 'u' || src.charAt(pos) == 'U')) {
            throw new CelParseException(s, "unsigned literals are not supported; response.code and the other numbers are ints: write " + src.substring(s, pos));
        }
        if (pos < n && (src.charAt(pos) == '_' || Character.isLetterOrDigit(src.charAt(pos)))) {
            throw new CelParseException(pos, "unexpected '" + src.charAt(pos) + "' after the number " + src.substring(s, pos));
        }
        kind = Kind.INT;
        text = src.substring(s, pos);
    }

    private void string(char quote) {
        int n = src.length();
        int s = pos;
        if (pos + 2 < n && src.charAt(pos + 1) == quote && src.charAt(pos + 2) == quote) {
            throw new CelParseException(s, "triple-quoted strings are not supported; write a plain 'string'");
        }
        pos++;
        StringBuilder b = new StringBuilder();
        while (true) {
            if (pos >= n || src.charAt(pos) == '\n' || src.charAt(pos) == '\r') throw new CelParseException(s, "unterminated string");
            char c = src.charAt(pos++);
            if (c == quote) break;
            if (c != '\\') {
                b.append(c);
                continue;
            }
            if (pos >= n) throw new CelParseException(s, "unterminated string");
            int escape = pos - 1;
            char e = src.charAt(pos++);
            switch (e) {
                case '\\', '\'', '"', '`', '?' -> b.append(e);
                case 'a' -> b.append('\u0007');
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case 't' -> b.append('\t');
                case 'v' -> b.append('\u000b');
                case 'x', 'X' -> b.appendCodePoint(hex(2, escape));
                case 'u' -> b.appendCodePoint(hex(4, escape));
                case 'U' -> b.appendCodePoint(hex(8, escape));
                case '0', '1', '2', '3' -> {
                    if (pos + 1 >= n || !isOctal(src.charAt(pos)) || !isOctal(src.charAt(pos + 1))) {
                        throw new CelParseException(escape, "an octal escape takes three digits, e.g. \\101");
                    }
                    b.append((char) ((e - '0') * 64 + (src.charAt(pos) - '0') * 8 + (src.charAt(pos + 1) - '0')));
                    pos += 2;
                }
                default -> throw new CelParseException(escape, "unknown escape \\" + e);
            }
        }
        kind = Kind.STRING;
        text = b.toString();
    }

    private static boolean isOctal(char c) { return c >= '0' && c <= '7'; }

    private int hex(int digits, int escape) {
        if (pos + digits > src.length()) throw new CelParseException(escape, "this escape takes " + digits + " hex digits");
        int v = 0;
        for (int i = 0; i < digits; i++) {
            char c = src.charAt(pos + i);
            int d = c < 128 ? Character.digit(c, 16) : -1;
            if (d < 0) throw new CelParseException(escape, "this escape takes " + digits + " hex digits");
            v = v * 16 + d;
            if (v > Character.MAX_CODE_POINT) throw new CelParseException(escape, "not a Unicode code point");
        }
        if (v >= 0xD800 && v <= 0xDFFF && digits > 2) throw new CelParseException(escape, "a surrogate is not a Unicode code point");
        pos += digits;
        return v;
    }

    private void operator(char c) {
        int n = src.length();
        char d = pos + 1 < n ? src.charAt(pos + 1) : 0;
        String two = "" + c + d;
        switch (two) {
            case "==", "!=", "<=", ">=", "&&", "||" -> {
                pos += 2;
                kind = Kind.OP;
                text = two;
                return;
            }
            default -> { }
        }
        switch (c) {
            case '<', '>', '!', '(', ')', '[', ']', '{', '}', ',', '.', '?', ':', '+', '-', '*', '/', '%' -> {
                pos++;
                kind = Kind.OP;
                text = String.valueOf(c);
            }
            case '=' -> throw new CelParseException(pos, "write == to compare");
            case '&' -> throw new CelParseException(pos, "write && for and");
            case '|' -> throw new CelParseException(pos, "write || for or");
            default -> throw new CelParseException(pos, "unexpected character '" + printable(src.codePointAt(pos)) + "'");
        }
    }

    private static String printable(int cp) {
        return cp < 0x20 || cp == 0x7f ? String.format(Locale.ROOT, "\\u%04x", cp) : new String(Character.toChars(cp));
    }
}
