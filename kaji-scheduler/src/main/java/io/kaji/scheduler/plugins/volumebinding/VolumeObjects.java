package io.kaji.scheduler.plugins.volumebinding;

import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;

/** PersistentVolumeClaims and PersistentVolumes by name (from informer caches; implementations are thread-safe). */
public interface VolumeObjects {

    /** No volume objects at all: pods with claims wait for them. */
    VolumeObjects NONE = new VolumeObjects() {
        @Override
        public PersistentVolumeClaim claim(String namespace, String name) {
            return null;
        }

        @Override
        public PersistentVolume volume(String name) {
            return null;
        }
    };

    /** The claim, or null. */
    PersistentVolumeClaim claim(String namespace, String name);

    /** The volume, or null. */
    PersistentVolume volume(String name);
}
