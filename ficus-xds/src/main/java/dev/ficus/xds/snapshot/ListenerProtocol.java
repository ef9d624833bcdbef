package dev.ficus.xds.snapshot;

/** The protocol a listener speaks; {@code AUTO} sniffs the first bytes (protocol detection lands later). */
public enum ListenerProtocol { HTTP, TCP, AUTO }
