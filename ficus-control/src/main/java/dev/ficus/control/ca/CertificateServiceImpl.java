package dev.ficus.control.ca;

import dev.ficus.api.SpiffeId;
import dev.ficus.xds.ca.CertificateService;
import dev.ficus.xds.ca.Pem;
import dev.ficus.xds.ca.WorkloadIdentity;
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
 * {@code ficus.ca.v1.Certificates/Sign} on the control plane's sync ports: finds out who the
 * caller is from the registry (the {@link IdentityResolver} the control plane gives), refuses
 * unknown workloads with PERMISSION_DENIED, and has the {@link CertificateAuthority} sign the CSR
 * for the identity it found. Add it with {@code SyncServer.builder().service(impl.bindService())}.
 *
 * <p>Who may ask ({@link Access}): on the TLS sync port, a caller that presents a client
 * certificate of the mesh may renew that certificate's identity and no other; a caller without one
 * must present the bootstrap token, which authorizes the first certificate of the workload it names
 * (the registry still decides the identity). The plaintext port signs nothing unless the operator
 * opted in ({@code --insecure-plaintext-ca}): there the caller's claim of which workload it is
 * cannot be checked.
 *
 * <p>Calls run on the gRPC server's executor, never on an event loop; signing is one ECDSA
 * signature. Status codes: UNAUTHENTICATED (no or wrong bootstrap token and no client certificate),
 * PERMISSION_DENIED (unknown workload, CSR for another identity, a certificate of another
 * identity), UNIMPLEMENTED (a CSR on the plaintext port, which signs nothing: a proxy then stops
 * waiting for a certificate to be ready),
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

    /**
     * What authorizes a request: the bootstrap token (null: no first certificates on the TLS port,
     * renewals only) and whether the plaintext port signs at all (insecure: anyone who can reach it
     * can claim to be any workload).
     */
    public record Access(BootstrapToken token, boolean plaintextSigning) {
        /** The plaintext port signs as it did before the TLS port existed: for tests and a closed network only. */
        public static Access insecurePlaintext() { return new Access(null, true); }
    }

    private final CertificateAuthority ca;
    private final IdentityResolver resolver;
    private final Access access;
    private final Consumer<String> log;
    private final AtomicLong issued = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();

    /** {@code log} gets one line per certificate issued or refused. */
    public CertificateServiceImpl(CertificateAuthority ca, IdentityResolver resolver, Consumer<String> log, Access access) {
        this.ca = Objects.requireNonNull(ca, "ca");
        this.resolver = Objects.requireNonNull(resolver, "resolver");
        this.log = Objects.requireNonNull(log, "log");
        this.access = Objects.requireNonNull(access, "access");
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
        SyncServer.Caller caller = SyncServer.caller();
        SpiffeId certified = null; // the identity the caller's client certificate proves, if it authenticated by one
        if (caller == null || !caller.tls()) {
            if (!access.plaintextSigning()) {
                refuse(out, Status.UNIMPLEMENTED, who, "certificates are signed on the TLS sync port only "
                        + "(ficus proxy --control HOST:15012 --bootstrap-token-file FILE); this plaintext port signs nothing");
                return;
            }
        } else if (caller.bearerToken() != null) {
            if (access.token() == null || !access.token().matches(caller.bearerToken())) {
                refuse(out, Status.UNAUTHENTICATED, who, "the bootstrap token presented is not this control plane's"
                        + (access.token() == null ? "" : " (see " + access.token().file() + " on its host)"));
                return;
            }
        } else if (caller.peerChain().isEmpty()) {
            refuse(out, Status.UNAUTHENTICATED, who, "neither a bootstrap token nor a client certificate was presented: "
                    + "a proxy's first certificate needs the token (ficus proxy --bootstrap-token-file FILE)");
            return;
        } else {
            certified = WorkloadIdentity.spiffeId(caller.peerChain().getFirst()).orElse(null);
            if (certified == null) {
                refuse(out, Status.PERMISSION_DENIED, who, "the client certificate names no SPIFFE ID");
                return;
            }
        }
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
        if (certified != null && !certified.equals(id)) {
            refuse(out, Status.PERMISSION_DENIED, who, "the client certificate is " + certified.uri() + "; it renews only its own identity, not "
                    + id.uri());
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
