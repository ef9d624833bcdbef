/**
 * {@code ficus bench mesh}: the same load through each step of a mesh path (direct, one proxy,
 * two proxies, two proxies with mTLS, with authorization) and through HAProxy and nginx, all on
 * loopback, with the CPU and memory of every proxy process; interleaved rounds, medians reported.
 */
package dev.ficus.bench.mesh;
