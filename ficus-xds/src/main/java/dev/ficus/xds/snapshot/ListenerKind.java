package dev.ficus.xds.snapshot;

/** Which side of the workload a listener serves, as in Istio's sidecar model. */
public enum ListenerKind { INBOUND, OUTBOUND, GATEWAY }
