package io.kaji.apiserver.registry;

import tools.jackson.databind.node.ObjectNode;

/**
 * Converts between a served version and the stored form when two versions share one storage (as core/v1 and
 * events.k8s.io/v1 Events do in Kubernetes). Both directions return new objects and leave their input unchanged.
 */
public interface StorageConversion {

    /** The stored form of an object of the served version. */
    ObjectNode toStorage(ObjectNode served);

    /** The served version of a stored object. */
    ObjectNode fromStorage(ObjectNode stored);

    /** No conversion: the served version is the stored one. */
    StorageConversion IDENTITY = new StorageConversion() {
        @Override
        public ObjectNode toStorage(ObjectNode served) {
            return served;
        }

        @Override
        public ObjectNode fromStorage(ObjectNode stored) {
            return stored;
        }
    };
}
