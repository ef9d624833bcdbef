package dev.ficus.api.validate;

import dev.ficus.api.Resource;
import dev.ficus.api.config.ConfigSet;

/**
 * The checks of one kind. {@code all} is the whole configuration, for references to other
 * resources (a subset that a DestinationRule must define, a Gateway that must exist).
 */
@FunctionalInterface
public interface Check<S> {
    void check(Resource<S> resource, ConfigSet all, Report report);

    /**
     * Whether the check looks at other resources ({@code all}). One that does not finds the same
     * for the same resource object, so a reload checks again only the resources of changed files.
     */
    default boolean readsOthers() { return true; }
}
