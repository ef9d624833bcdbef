package dev.ficus.xds.sync;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import io.grpc.MethodDescriptor;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The gRPC method of the sync protocol and its JSON marshalling. */
public final class SyncMessages {
    public static final String SERVICE = "ficus.sync.v1.Sync";
    /** Messages above this size are refused by either side; a snapshot of 5000 services stays far below. */
    public static final int MAX_MESSAGE_BYTES = 64 << 20;

    static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    public static final MethodDescriptor<SyncRequest, SyncResponse> STREAM =
            MethodDescriptor.<SyncRequest, SyncResponse>newBuilder()
                    .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
                    .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Stream"))
                    .setRequestMarshaller(json(SyncRequest.class))
                    .setResponseMarshaller(json(SyncResponse.class))
                    .build();

    private SyncMessages() {
    }

    /**
     * The marshaller of ficus's gRPC methods (sync, certificates): JSON in UTF-8; Gson builds
     * records through their canonical constructors, so their checks run.
     */
    public static <T> MethodDescriptor.Marshaller<T> json(Class<T> type) {
        return new Json<>(type);
    }

    private record Json<T>(Class<T> type) implements MethodDescriptor.Marshaller<T> {
        @Override
        public InputStream stream(T value) {
            return new ByteArrayInputStream(GSON.toJson(value).getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public T parse(InputStream stream) {
            try (stream) {
                T v = GSON.fromJson(new String(stream.readAllBytes(), StandardCharsets.UTF_8), type);
                if (v == null) throw new IllegalArgumentException("empty " + type.getSimpleName());
                return v;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
