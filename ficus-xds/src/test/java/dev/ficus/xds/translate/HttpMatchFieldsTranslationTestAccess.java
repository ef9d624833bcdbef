package dev.ficus.xds.translate;

import dev.ficus.xds.snapshot.ProxySnapshot;

/** The snapshot of {@link HttpMatchFieldsTranslationTest}'s mesh, for tests in other packages. */
public final class HttpMatchFieldsTranslationTestAccess {
    private HttpMatchFieldsTranslationTestAccess() {}

    public static ProxySnapshot snapshot() { return HttpMatchFieldsTranslationTest.translate().snapshot(); }
}
