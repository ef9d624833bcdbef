package dev.ficus.api.networking;

/** How traffic reaches a sidecar listener: DEFAULT as the environment says, IPTABLES redirect, or NONE (explicit). */
public enum CaptureMode {
    DEFAULT,
    IPTABLES,
    NONE
}
