/**
 * The networking.istio.io kinds as immutable records (the binder's schema): routing
 * (VirtualService), upstream policy (DestinationRule), registry (ServiceEntry, WorkloadEntry),
 * edge listeners (Gateway) and sidecar listeners (Sidecar). The translator reads these to build
 * proxy snapshots; nothing on the request path touches them directly.
 */
package dev.ficus.api.networking;
