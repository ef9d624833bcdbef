package dev.ficus.api.cel;

/**
 * How a filter reads one request's attributes. {@code C} is the caller's request object, passed
 * through so that one stateless activation serves every thread; implementations must not
 * allocate for the cheap attributes, since the proxy evaluates filters on its event loops.
 */
public interface CelActivation<C> {
    /** An INT or DURATION (nanoseconds) attribute that the request does not have. */
    long ABSENT = Long.MIN_VALUE;

    /** A STRING attribute, or null when the request has none (CEL: no such attribute). */
    String string(C request, CelAttribute attribute);

    /** An INT attribute, or a DURATION in nanoseconds; {@link #ABSENT} when the request has none. */
    long number(C request, CelAttribute attribute);

    /** A BOOL attribute. */
    boolean bool(C request, CelAttribute attribute);

    /** A request header (any case), several values joined with commas; null when absent. */
    String header(C request, String name);
}
