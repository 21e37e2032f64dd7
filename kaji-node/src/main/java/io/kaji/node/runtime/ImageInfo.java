package io.kaji.node.runtime;

import java.util.List;

/**
 * An image the runtime holds.
 *
 * @param id        the image id ({@code sha256:...}), what containers' image refs name
 * @param sizeBytes the image's size as the runtime reports it (compressed layers for containerd)
 * @param pinned    whether the runtime pinned it (the CRI's {@code Image.pinned}): image GC never removes it
 */
public record ImageInfo(String id, List<String> tags, List<String> digests, long sizeBytes, boolean pinned) {

    /** An image that is not pinned. */
    public ImageInfo(String id, List<String> tags, List<String> digests, long sizeBytes) {
        this(id, tags, digests, sizeBytes, false);
    }
}
