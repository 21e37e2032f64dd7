package io.kaji.scheduler;

import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.kaji.scheduler.plugins.volumebinding.VolumeObjects;

/** {@link VolumeObjects} from informer caches; an informer may be null when that kind is not served. */
final class InformerVolumeObjects implements VolumeObjects {

    private final SharedIndexInformer<PersistentVolumeClaim> claims;
    private final SharedIndexInformer<PersistentVolume> volumes;

    InformerVolumeObjects(SharedIndexInformer<PersistentVolumeClaim> claims,
                          SharedIndexInformer<PersistentVolume> volumes) {
        this.claims = claims;
        this.volumes = volumes;
    }

    @Override
    public PersistentVolumeClaim claim(String namespace, String name) {
        return claims == null ? null : claims.getStore().getByKey(namespace + "/" + name);
    }

    @Override
    public PersistentVolume volume(String name) {
        return volumes == null ? null : volumes.getStore().getByKey(name);
    }
}
