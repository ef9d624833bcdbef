package dev.ficus.testing;

import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * gRPC methods of the test service {@code ficus.test.Echo} whose messages are UTF-8 strings, for
 * tests that put a real grpc-java client and server on either side of a proxy without generated code.
 */
public final class GrpcStrings {
    public static final String SERVICE = "ficus.test.Echo";

    /** A UTF-8 string as a gRPC message. */
    public static final MethodDescriptor.Marshaller<String> MARSHALLER = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String v) { return new ByteArrayInputStream(v.getBytes(StandardCharsets.UTF_8)); }

        @Override
        public String parse(InputStream in) {
            try {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    private GrpcStrings() {}

    /** The method {@code ficus.test.Echo/NAME} of the given type, strings both ways. */
    public static MethodDescriptor<String, String> method(String name, MethodDescriptor.MethodType type) {
        return MethodDescriptor.<String, String>newBuilder().setType(type).setFullMethodName(SERVICE + "/" + name)
                .setRequestMarshaller(MARSHALLER).setResponseMarshaller(MARSHALLER).build();
    }
}
