package dev.ficus.control.ca;

import dev.ficus.api.SpiffeId;
import dev.ficus.xds.ca.CertificateService;
import dev.ficus.xds.ca.Pem;
import dev.ficus.xds.ca.SignRequest;
import dev.ficus.xds.ca.SignResponse;
import dev.ficus.xds.sync.Node;
import dev.ficus.xds.sync.SyncServer;
import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;

import java.net.SocketAddress;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * {@code ficus.ca.v1.Certificates/Sign} on the control plane's sync port: finds out who the
 * caller is from the registry (the {@link IdentityResolver} the control plane gives), refuses
 * unknown workloads with PERMISSION_DENIED, and has the {@link CertificateAuthority} sign the CSR
 * for the identity it found. Add it with {@code SyncServer.builder().service(impl.bindService())}.
 *
 * <p>Calls run on the gRPC server's executor, never on an event loop; signing is one ECDSA
 * signature. Status codes: PERMISSION_DENIED (unknown workload, CSR for another identity),
 * INVALID_ARGUMENT (malformed or tampered CSR, unsupported key), FAILED_PRECONDITION (the CA
 * expired, the workload's service account is not a valid SPIFFE path segment).
 */
public final class CertificateServiceImpl implements BindableService {

    /** The identity the registry gives a workload. */
    public record Identity(String namespace, String serviceAccount) {
        public Identity {
            Objects.requireNonNull(namespace, "namespace");
            Objects.requireNonNull(serviceAccount, "serviceAccount");
        }
    }

    /**
     * Who is asking: the identity of {@code workload} in {@code namespace} as served by
     * {@code node}, or empty when no such workload is known (the request is refused).
     * Called on the gRPC executor; must be thread-safe.
     */
    @FunctionalInterface
    public interface IdentityResolver {
        Optional<Identity> resolve(Node node, String workload, String namespace);
    }

    private final CertificateAuthority ca;
    private final IdentityResolver resolver;
    private final Consumer<String> log;
    private final AtomicLong issued = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();

    /** {@code log} gets one line per certificate issued or refused. */
    public CertificateServiceImpl(CertificateAuthority ca, IdentityResolver resolver, Consumer<String> log) {
        this.ca = Objects.requireNonNull(ca, "ca");
        this.resolver = Objects.requireNonNull(resolver, "resolver");
        this.log = Objects.requireNonNull(log, "log");
    }

    public CertificateServiceImpl(CertificateAuthority ca, IdentityResolver resolver) {
        this(ca, resolver, s -> {});
    }

    /** Certificates issued since start. */
    public long issued() { return issued.get(); }

    /** Requests refused since start, whatever the reason. */
    public long refused() { return refused.get(); }

    @Override
    public ServerServiceDefinition bindService() {
        return ServerServiceDefinition.builder(CertificateService.SERVICE)
                .addMethod(CertificateService.SIGN, ServerCalls.asyncUnaryCall(this::sign))
                .build();
    }

    private void sign(SignRequest req, StreamObserver<SignResponse> out) {
        String who = describe(req);
        Optional<Identity> found;
        try {
            found = resolver.resolve(req.node(), req.workload(), req.namespace());
        } catch (RuntimeException e) {
            refuse(out, Status.INTERNAL, who, "looking up the workload failed: " + e);
            return;
        }
        if (found.isEmpty()) {
            refuse(out, Status.PERMISSION_DENIED, who, "no workload " + (req.workload() == null ? "" : req.workload() + " ")
                    + "in namespace " + req.namespace() + " is known for proxy " + req.node().id());
            return;
        }
        SpiffeId id;
        try {
            id = new SpiffeId(ca.trustDomain(), found.get().namespace(), found.get().serviceAccount());
        } catch (SpiffeId.InvalidSpiffeIdException e) {
            refuse(out, Status.FAILED_PRECONDITION, who, "the workload's identity is not a valid SPIFFE ID: " + e.getMessage());
            return;
        }
        List<X509Certificate> chain;
        try {
            chain = ca.sign(req.csrPem(), id, Duration.ofSeconds(req.ttlSeconds()));
        } catch (CsrRefusedException e) {
            Status s = e.reason() == CsrRefusedException.Reason.FOREIGN_IDENTITY ? Status.PERMISSION_DENIED : Status.INVALID_ARGUMENT;
            refuse(out, s, who, e.getMessage());
            return;
        } catch (IllegalStateException e) {
            refuse(out, Status.FAILED_PRECONDITION, who, e.getMessage());
            return;
        } catch (RuntimeException e) {
            refuse(out, Status.INTERNAL, who, "signing failed: " + e);
            return;
        }
        issued.incrementAndGet();
        X509Certificate leaf = chain.getFirst();
        log.accept("certificate issued to " + who + ": " + id.uri() + ", serial " + leaf.getSerialNumber().toString(16)
                + ", valid until " + leaf.getNotAfter().toInstant());
        out.onNext(new SignResponse(chain.stream().map(Pem::encode).toList(), ca.trustBundle().stream().map(Pem::encode).toList()));
        out.onCompleted();
    }

    private void refuse(StreamObserver<SignResponse> out, Status status, String who, String reason) {
        refused.incrementAndGet();
        log.accept("certificate refused to " + who + ": " + reason);
        out.onError(status.withDescription(reason).asRuntimeException());
    }

    private static String describe(SignRequest req) {
        SocketAddress peer = SyncServer.callerAddress();
        return req.node().id() + (req.workload() == null ? "" : " for " + req.namespace() + "/" + req.workload())
                + (peer == null ? "" : " at " + peer);
    }
}
