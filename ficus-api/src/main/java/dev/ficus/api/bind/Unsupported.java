package dev.ficus.api.bind;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * An Istio field that ficus accepts and keeps but does not act on (yet). Setting it yields a
 * warning that names the reason, so nothing is ever silently dropped.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.RECORD_COMPONENT, ElementType.PARAMETER, ElementType.FIELD, ElementType.METHOD})
public @interface Unsupported {
    /** Why it is not acted on, e.g. "needs Kubernetes" or "not implemented in ficus yet". */
    String value();
}
