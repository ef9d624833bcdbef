/** Stage 2: HTTP/1.1 framing rules: strict decoding, header deadlines, hop-by-hop headers, local replies and their response flags. */
package dev.ficus.proxy.http;
