package dev.ficus.api.cel;

import java.util.List;
import java.util.Objects;

/**
 * A parsed, type-checked filter expression. Nodes carry no positions, so that two texts that mean
 * the same thing parse to equal trees ({@code (a) && b} and {@code a && b}); {@link #type()} is the
 * static type the parser checked.
 */
public sealed interface CelExpr {

    CelType type();

    /** {@code true} or {@code false}. */
    record BoolLit(boolean value) implements CelExpr {
        public CelType type() { return CelType.BOOL; }
    }

    /** An int literal ({@code 400}, {@code 0x1F}, {@code -1}). */
    record IntLit(long value) implements CelExpr {
        public CelType type() { return CelType.INT; }
    }

    /** A string literal, unescaped. */
    record StringLit(String value) implements CelExpr {
        public StringLit {
            Objects.requireNonNull(value, "value");
        }

        public CelType type() { return CelType.STRING; }
    }

    /** {@code duration("1.5s")}: {@code text} as written, {@code nanos} its value. */
    record DurationLit(String text, long nanos) implements CelExpr {
        public DurationLit {
            Objects.requireNonNull(text, "text");
        }

        public CelType type() { return CelType.DURATION; }
    }

    /** A request attribute such as {@code response.code}. */
    record Attr(CelAttribute attribute) implements CelExpr {
        public Attr {
            Objects.requireNonNull(attribute, "attribute");
        }

        public CelType type() { return attribute.type(); }
    }

    /** {@code request.headers['name']}: absent (an error in CEL) when the request has no such header. */
    record Header(String name) implements CelExpr {
        public Header {
            Objects.requireNonNull(name, "name");
        }

        public CelType type() { return CelType.STRING; }
    }

    /** {@code 'name' in request.headers}: the request has that header. */
    record HasHeader(String name) implements CelExpr {
        public HasHeader {
            Objects.requireNonNull(name, "name");
        }

        public CelType type() { return CelType.BOOL; }
    }

    /** {@code !operand}. */
    record Not(CelExpr operand) implements CelExpr {
        public Not {
            Objects.requireNonNull(operand, "operand");
        }

        public CelType type() { return CelType.BOOL; }
    }

    /** {@code left && right} or {@code left || right}. */
    record Logical(boolean and, CelExpr left, CelExpr right) implements CelExpr {
        public Logical {
            Objects.requireNonNull(left, "left");
            Objects.requireNonNull(right, "right");
        }

        public CelType type() { return CelType.BOOL; }
    }

    /** A comparison of two values of the same type. */
    record Compare(Op op, CelExpr left, CelExpr right) implements CelExpr {
        public enum Op {
            EQ("=="), NE("!="), LT("<"), LE("<="), GT(">"), GE(">=");

            private final String symbol;

            Op(String symbol) { this.symbol = symbol; }

            public String symbol() { return symbol; }
        }

        public Compare {
            Objects.requireNonNull(op, "op");
            Objects.requireNonNull(left, "left");
            Objects.requireNonNull(right, "right");
        }

        public CelType type() { return CelType.BOOL; }
    }

    /** {@code value in [a, b, ...]}: the elements have the value's type. */
    record In(CelExpr value, List<CelExpr> list) implements CelExpr {
        public In {
            Objects.requireNonNull(value, "value");
            list = List.copyOf(list);
        }

        public CelType type() { return CelType.BOOL; }
    }

    /** {@code target.startsWith(argument)}, {@code endsWith} or {@code contains} on strings. */
    record StringCall(Function function, CelExpr target, CelExpr argument) implements CelExpr {
        public enum Function {
            STARTS_WITH("startsWith"), ENDS_WITH("endsWith"), CONTAINS("contains");

            private final String celName;

            Function(String celName) { this.celName = celName; }

            public String celName() { return celName; }
        }

        public StringCall {
            Objects.requireNonNull(function, "function");
            Objects.requireNonNull(target, "target");
            Objects.requireNonNull(argument, "argument");
        }

        public CelType type() { return CelType.BOOL; }
    }
}
