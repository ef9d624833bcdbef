/**
 * Stage 4, the terminal stage: forwards a matched request to an upstream and streams the answer
 * back, with the route's CORS, faults, rewrites, retries and mirrors around the upstream call.
 */
package dev.ficus.proxy.router;
