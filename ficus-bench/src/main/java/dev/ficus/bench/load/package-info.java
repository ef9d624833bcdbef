/**
 * The load generator: HTTP/1.1 keep-alive connections on Netty event loops, driven either on a
 * fixed schedule (open loop, latencies corrected for coordinated omission) or as fast as the
 * target answers (closed loop), recorded in per-loop HdrHistograms and merged at the end. A ramp
 * runs open-loop steps of rising rate until the p99 objective breaks: the knee.
 */
package dev.ficus.bench.load;
