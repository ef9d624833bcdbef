package dev.ficus.api.bind;

import java.lang.annotation.ElementType;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** A protobuf oneof: at most one of the named fields may be set (exactly one when required). */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@Repeatable(OneOf.List.class)
public @interface OneOf {
    String[] value();

    boolean required() default false;

    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.TYPE)
    @interface List {
        OneOf[] value();
    }
}
