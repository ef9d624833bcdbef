package dev.ficus.api.cel;

/** The types a filter's values have, with CEL's names (used in error messages). */
public enum CelType {
    BOOL("bool"), INT("int"), STRING("string"), DURATION("duration"),
    /** {@code request.headers}: only indexed or tested with {@code in}. */
    MAP("map(string, string)"),
    /** A list literal: only the right side of {@code in}. */
    LIST("list");

    private final String celName;

    CelType(String celName) { this.celName = celName; }

    /** CEL's name of the type, e.g. {@code int}. */
    public String celName() { return celName; }
}
