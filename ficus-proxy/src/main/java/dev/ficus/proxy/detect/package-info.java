/** Stage 2: protocol detection; peeks at a connection's first bytes (TLS, HTTP/2, HTTP/1.x, else opaque TCP) without consuming them. */
package dev.ficus.proxy.detect;
