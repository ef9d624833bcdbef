/** Stage 6: load balancers: mutable state updated off the event loop, publishing immutable pickers the request path calls. */
package dev.ficus.proxy.lb;
