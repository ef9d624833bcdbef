/**
 * The wire form of snapshot resources: the JSON the control plane pushes to proxies on the sync
 * stream, written and read by {@link dev.ficus.xds.wire.SnapshotCodec} straight from the snapshot
 * records, which are the schema.
 */
package dev.ficus.xds.wire;
