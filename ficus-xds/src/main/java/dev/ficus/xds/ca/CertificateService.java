package dev.ficus.xds.ca;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import io.grpc.MethodDescriptor;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The gRPC method a proxy calls for a workload certificate, {@code ficus.ca.v1.Certificates/Sign}
 * (unary, JSON messages like the sync protocol's). It is served on the sync port beside
 * {@code ficus.sync.v1.Sync}.
 */
public final class CertificateService {
    public static final String SERVICE = "ficus.ca.v1.Certificates";
    /** A CSR and a few certificates; anything larger is not a certificate request. */
    public static final int MAX_MESSAGE_BYTES = 1 << 20;

    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    public static final MethodDescriptor<SignRequest, SignResponse> SIGN =
            MethodDescriptor.<SignRequest, SignResponse>newBuilder()
                    .setType(MethodDescriptor.MethodType.UNARY)
                    .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Sign"))
                    .setRequestMarshaller(new Json<>(SignRequest.class))
                    .setResponseMarshaller(new Json<>(SignResponse.class))
                    .build();

    private CertificateService() {
    }

    /** JSON in UTF-8; Gson builds records through their canonical constructors, so their checks run. */
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
