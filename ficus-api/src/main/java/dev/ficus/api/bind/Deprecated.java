package dev.ficus.api.bind;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** An old spelling Istio still accepts; setting it yields a warning naming the replacement. */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.RECORD_COMPONENT, ElementType.PARAMETER, ElementType.FIELD, ElementType.METHOD})
public @interface Deprecated {
    /** The field to use instead, e.g. "percentage.value". */
    String use();
}
