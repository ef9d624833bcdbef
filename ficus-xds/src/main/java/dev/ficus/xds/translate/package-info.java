/**
 * The translator: Istio resources plus the proxy's own identity in, one {@link
 * dev.ficus.xds.snapshot.ProxySnapshot} out. The standalone proxy runs it in-process; the control
 * plane runs the same code per connected proxy. Runs off the event loop, once per config change.
 */
package dev.ficus.xds.translate;
