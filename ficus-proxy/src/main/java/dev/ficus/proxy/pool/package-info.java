/** Stage 7: upstream HTTP/1.1 connections, pooled per endpoint and per event loop so that no lock is ever taken. */
package dev.ficus.proxy.pool;
