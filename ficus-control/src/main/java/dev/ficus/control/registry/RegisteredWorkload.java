package dev.ficus.control.registry;

import java.time.Instant;

/**
 * A registered workload as the registry holds it at one moment: the registration, its lease, and
 * its health. Immutable; the registry hands out copies.
 *
 * @param registration what the workload registered
 * @param registeredAt when this registration was first made (a replacement keeps it)
 * @param expiresAt    when the lease runs out unless a heartbeat or a new registration renews it
 * @param healthy      false only while its probe fails; always true without a probe
 * @param lastProbeError why the last probe failed, or null
 */
public record RegisteredWorkload(Registration registration, Instant registeredAt, Instant expiresAt, boolean healthy,
                                 String lastProbeError) {

    public String name() {
        return registration.name();
    }

    public String namespace() {
        return registration.namespace();
    }
}
