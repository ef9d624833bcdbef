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

    @SuppressWarnings("unchecked")
    public <T> Resource<T> as(Class<T> specType) {
        if (!specType.isInstance(spec)) {
            throw new ClassCastException(subject() + " has spec " + spec.getClass().getSimpleName());
        }
        return (Resource<T>) this;
    }
}
