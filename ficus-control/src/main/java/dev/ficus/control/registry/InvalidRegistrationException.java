package dev.ficus.control.registry;

/**
 * A registration body that cannot be accepted, with the field at fault (as a path such as
 * {@code ports.http} or {@code probe.httpGet.port}) or, for malformed JSON, the position.
 * The REST API turns it into a 400 answer; its message is written for the registering system's
 * operator.
 */
public final class InvalidRegistrationException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String field;
    private final int line;
    private final int column;

    InvalidRegistrationException(String field, String message) {
        this(field, message, 0, 0);
    }

    InvalidRegistrationException(String field, String message, int line, int column) {
        super(message, null, false, false);
        this.field = field;
        this.line = line;
        this.column = column;
    }

    /** The path of the field at fault, or null when the body as a whole is wrong. */
    public String field() {
        return field;
    }

    /** The 1-based line of a JSON syntax error, or 0. */
    public int line() {
        return line;
    }

    /** The 1-based column of a JSON syntax error, or 0. */
    public int column() {
        return column;
    }
}
