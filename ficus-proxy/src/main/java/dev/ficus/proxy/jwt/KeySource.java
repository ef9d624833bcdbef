package dev.ficus.proxy.jwt;

/** Where a rule's keys come from: an inline key set, a fetched one, or none. Called on event loops; never blocks. */
@FunctionalInterface
interface KeySource {
    /** The keys to verify with now, or null while none are loaded. */
    Jwks current();
}
