/**
 * The mesh.ficus.dev kinds: what ficus adds where Istio has no word for it. {@link dev.ficus.api.mesh.App}
 * is a local process that {@code ficus up} starts, waits for and stops beside the proxies. Records
 * only; the runner and the translator read them, nothing on the request path does.
 */
package dev.ficus.api.mesh;
