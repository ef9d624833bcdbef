/** Proxy snapshots and the translator from Istio resources to them; the sync protocol lands here (issue #3, #4). */
package dev.ficus.xds;
