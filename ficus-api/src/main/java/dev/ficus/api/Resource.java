package dev.ficus.api;

/**
 * One loaded configuration resource: an Istio (or ficus) kind, its metadata and its typed spec.
 * Immutable; the control plane and the standalone proxy translate sets of these to snapshots.
 *
 * @param <S> the spec record, e.g. {@link dev.ficus.api.networking.VirtualService}
 */
public record Resource<S>(Kind kind, String apiVersion, ObjectMeta metadata, S spec, Origin origin) {

    public String name() {
        return metadata.name();
    }

    public String namespace() {
        return metadata.namespaceOrDefault();
    }

    /** {@code Kind/name}, as diagnostics name a resource. */
    public String subject() {
        return kind.kindName() + "/" + metadata.name();
    }

    /**
     * Whether {@code other} is this resource, or the same document read again: the same text (by
     * fingerprint) at the same place in the same file, so that every field stands where it stood,
     * with equal metadata and spec. {@code equals} compares field positions by identity, so it
     * fails for the unchanged documents of a file read again because another of its documents
     * changed; whoever keeps work done for a resource (the translation cache) asks this instead.
     */
    public boolean sameDocument(Resource<?> other) {
        if (other == this) return true;
        if (other == null) return false;
        Origin a = origin, b = other.origin;
        return !a.fingerprint().isEmpty() && a.fingerprint().equals(b.fingerprint()) && a.file().equals(b.file())
                && a.line() == b.line() && a.column() == b.column()
                && kind == other.kind && apiVersion.equals(other.apiVersion) && metadata.equals(other.metadata) && spec.equals(other.spec);
    }

    @SuppressWarnings("unchecked")
    public <T> Resource<T> as(Class<T> specType) {
        if (!specType.isInstance(spec)) {
            throw new ClassCastException(subject() + " has spec " + spec.getClass().getSimpleName());
        }
        return (Resource<T>) this;
    }
}
