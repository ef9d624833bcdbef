/**
 * The immutable {@link dev.ficus.xds.snapshot.ProxySnapshot}: everything one proxy needs to serve
 * traffic, built off the event loop (by the translator or a test) and swapped in with one reference
 * write. Matchers are compiled when a snapshot is constructed, so the request path only evaluates.
 */
package dev.ficus.xds.snapshot;
