package dev.ficus.proxy.detect;

/** What a connection's first bytes revealed. */
public enum DetectedProtocol {
    /** A TLS ClientHello; the server name, if sent, comes with it. */
    TLS,
    /** A TLS ClientHello offering the mesh's ALPN value: mTLS from another ficus proxy. */
    MESH_TLS,
    /** The HTTP/2 connection preface: h2c with prior knowledge. */
    HTTP2,
    /** An HTTP/1.x request line. */
    HTTP1,
    /** Anything else, or nothing before the detection timeout (server-first protocols). */
    TCP
}
