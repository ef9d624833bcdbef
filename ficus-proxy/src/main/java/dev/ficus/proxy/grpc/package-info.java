/** gRPC over HTTP/2: how the proxy's own answers to gRPC calls are shaped (trailers-only, grpc-status). */
package dev.ficus.proxy.grpc;
