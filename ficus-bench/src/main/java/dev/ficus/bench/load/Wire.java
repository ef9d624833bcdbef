package dev.ficus.bench.load;

import io.netty.channel.Channel;

/**
 * How one protocol puts requests on a connection and reads the answers off it. One instance per
 * run, shared by all its connections (it holds the request, encoded once); each connection gets
 * its own {@link Exchanges} on its event loop, and every method below runs on that loop.
 * {@link ConnectionDriver} keeps the schedule and the statistics; a wire only moves bytes.
 */
interface Wire {
    /** {@link Exchanges#send} could not send now (no free HTTP/2 stream); try again after a response. */
    int NOT_NOW = -1;
    /** {@link Exchanges#send} will never send on this connection again (stream ids used up): open another. */
    int RETIRE = -2;

    /** Adds the protocol's handlers to a new connection; the answers go to {@code sink}. */
    Exchanges attach(Channel channel, Sink sink);

    /** Frees what the run shared; called once, after the event loops have stopped. */
    void release();

    /** The requests of one connection. */
    interface Exchanges {
        Channel channel();

        /** Sends one request; its id on this connection (the HTTP/2 stream id, else 0), {@link #NOT_NOW} or {@link #RETIRE}. */
        int send();

        /**
         * Gives up on request {@code id} (timed out). True when the connection stays usable (an
         * HTTP/2 stream is reset); false when only closing the connection ends the request.
         */
        boolean cancel(int id);
    }

    /** What a connection hears, on its event loop. */
    interface Sink {
        /** Request {@code id} got its whole answer; status is the HTTP status, the gRPC status, or 0 for an echo. */
        void response(Exchanges on, int id, int status, long headerBytes, long totalBytes);

        /** Request {@code id} ended without an answer (its stream was reset). */
        void failed(Exchanges on, int id, ErrorKind kind);

        /**
         * The connection takes no new requests: those with an id above {@code lastId} failed
         * with {@code kind}, the others may still be answered. A negative {@code lastId} fails
         * all of them and the driver closes the connection.
         */
        void retired(Exchanges on, int lastId, ErrorKind kind);
    }
}
