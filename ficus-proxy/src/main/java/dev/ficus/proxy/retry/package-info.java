/** Retry support for the router: the per-cluster retry budget and the jittered back-off. */
package dev.ficus.proxy.retry;
