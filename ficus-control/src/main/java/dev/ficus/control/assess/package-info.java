/**
 * The assessment phase of a gradual adoption ({@code GET /v1/assess}, {@code ficus assess}): from
 * the service graph, the registry and the connected proxies, what is meshed, how ready the rest is
 * and in which order to onboard it.
 */
package dev.ficus.control.assess;
