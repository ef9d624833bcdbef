package dev.ficus.api.telemetry;

import java.util.Locale;
import java.util.Optional;

/**
 * The value of a Telemetry {@code tagOverrides} entry: Istio takes any CEL expression; ficus takes
 * the ones its proxies evaluate: a string literal ({@code 'payments'}), {@code request.host},
 * {@code request.method}, {@code request.path} (with the query), {@code request.url_path}
 * (without), {@code request.scheme}, {@code request.protocol} and {@code request.headers['name']}.
 * A literal is resolved once per pair of peers; the others per request, which adds a lookup
 * (and a series per distinct value: keep them to low-cardinality attributes).
 */
public sealed interface TagExpression {
    /** The expression as ficus writes it back (a canonical form). */
    String text();

    record Literal(String value) implements TagExpression {
        public String text() { return "'" + value + "'"; }
    }

    /** A request attribute: {@code name} is host, method, path, url_path, scheme or protocol. */
    record Attribute(String name) implements TagExpression {
        public String text() { return "request." + name; }
    }

    /** {@code request.headers['name']}; the name is lower case. */
    record Header(String name) implements TagExpression {
        public String text() { return "request.headers['" + name + "']"; }
    }

    /** The expression {@code expr} stands for, or empty when ficus does not evaluate it. */
    static Optional<TagExpression> parse(String expr) {
        if (expr == null) return Optional.empty();
        String e = expr.strip();
        if (e.length() >= 2 && (e.charAt(0) == '\'' || e.charAt(0) == '"') && e.charAt(e.length() - 1) == e.charAt(0)) {
            String v = e.substring(1, e.length() - 1);
            if (v.indexOf(e.charAt(0)) >= 0 || v.indexOf('\\') >= 0) return Optional.empty(); // escapes are not taken
            return Optional.of(new Literal(v));
        }
        switch (e) {
            case "request.host", "request.method", "request.path", "request.url_path", "request.scheme", "request.protocol" -> {
                return Optional.of(new Attribute(e.substring("request.".length())));
            }
            default -> { }
        }
        String prefix = "request.headers[";
        if (e.startsWith(prefix) && e.endsWith("]")) {
            String inner = e.substring(prefix.length(), e.length() - 1).strip();
            if (inner.length() >= 2 && (inner.charAt(0) == '\'' || inner.charAt(0) == '"') && inner.charAt(inner.length() - 1) == inner.charAt(0)) {
                String name = inner.substring(1, inner.length() - 1);
                if (!name.isEmpty() && name.chars().allMatch(c -> c > 0x20 && c < 0x7f && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0)) {
                    return Optional.of(new Header(name.toLowerCase(Locale.ROOT)));
                }
            }
        }
        return Optional.empty();
    }

    /** What {@link #parse} takes, for messages. */
    String SUPPORTED = "a string literal ('value'), request.host, request.method, request.path, request.url_path, request.scheme, "
            + "request.protocol or request.headers['name']";

    /** Parses {@code expr}; for the proxy, which only meets expressions validation let through. */
    static TagExpression parseOrUnknown(String expr) {
        return parse(expr).orElse(new Literal("unknown"));
    }
}
