/** Stage 3: the active snapshot (one atomic reference) and the request view route matching reads. */
package dev.ficus.proxy.route;
