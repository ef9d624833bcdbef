package dev.ficus.xds.ca;

import dev.ficus.xds.sync.SyncMessages;
import io.grpc.MethodDescriptor;


/**
 * The gRPC method a proxy calls for a workload certificate, {@code ficus.ca.v1.Certificates/Sign}
 * (unary, JSON messages like the sync protocol's). It is served on the sync port beside
 * {@code ficus.sync.v1.Sync}.
 */
public final class CertificateService {
    public static final String SERVICE = "ficus.ca.v1.Certificates";
    /** A CSR and a few certificates; anything larger is not a certificate request. */
    public static final int MAX_MESSAGE_BYTES = 1 << 20;

    public static final MethodDescriptor<SignRequest, SignResponse> SIGN =
            MethodDescriptor.<SignRequest, SignResponse>newBuilder()
                    .setType(MethodDescriptor.MethodType.UNARY)
                    .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Sign"))
                    .setRequestMarshaller(SyncMessages.json(SignRequest.class))
                    .setResponseMarshaller(SyncMessages.json(SignResponse.class))
                    .build();

    private CertificateService() {
    }
}
