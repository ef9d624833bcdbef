/** Stage 1: accept connections on each snapshot listener and assemble the per-connection pipeline. */
package dev.ficus.proxy.listener;
