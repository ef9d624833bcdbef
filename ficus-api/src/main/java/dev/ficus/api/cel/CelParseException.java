package dev.ficus.api.cel;

/**
 * A filter expression ficus cannot evaluate: bad syntax, CEL that ficus does not support, an
 * unknown attribute or mismatched types. {@link #column()} points into the expression.
 */
public final class CelParseException extends IllegalArgumentException {
    private final int column;
    private final String reason;

    CelParseException(int offset, String reason) {
        super("column " + (offset + 1) + ": " + reason);
        this.column = offset + 1;
        this.reason = reason;
    }

    /** 1-based column of the offending token in the expression. */
    public int column() { return column; }

    /** What is wrong and what to write instead, without the position. */
    public String reason() { return reason; }
}
