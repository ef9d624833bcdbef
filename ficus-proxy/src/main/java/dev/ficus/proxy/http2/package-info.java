/** Stage 3 (HTTP/2): downstream HTTP/2 connections, each stream served by the HTTP/1.1 router through a frame-to-object codec. */
package dev.ficus.proxy.http2;
