package dev.ficus.xds.snapshot;

/**
 * The view of a request that route matching needs. The proxy adapts its codec's request object
 * to this interface without copying, so the model stays free of any transport library.
 */
public interface RequestAttributes {
    /** The request method, upper-case as sent ({@code GET}). */
    String method();

    /** The path without the query string. */
    String path();

    /** The first value of a header (name is lower-case), or null. */
    String header(String lowerCaseName);
}
