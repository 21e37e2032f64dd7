package io.kaji.node.runtime;

import java.util.List;

/**
 * An image the runtime holds.
 *
 * @param id        the image id ({@code sha256:...}), what containers' image refs name
 * @param sizeBytes the image's size as the runtime reports it (compressed layers for containerd)
 * @param pinned    whether the runtime pinned it (the CRI's {@code Image.pinned}): image GC never removes it
 * @param uid       the uid of the image's USER when that is numeric ({@code 1000}, {@code 1000:1000}), else null
 * @param username  the image's USER when that is a name, else ""
 */
public record ImageInfo(String id, List<String> tags, List<String> digests, long sizeBytes, boolean pinned, Long uid,
                        String username) {

    public ImageInfo {
        username = username == null ? "" : username;
    }

    /** An image that is not pinned and names no user. */
    public ImageInfo(String id, List<String> tags, List<String> digests, long sizeBytes) {
        this(id, tags, digests, sizeBytes, false);
    }

    /** An image that names no user. */
    public ImageInfo(String id, List<String> tags, List<String> digests, long sizeBytes, boolean pinned) {
        this(id, tags, digests, sizeBytes, pinned, null, "");
    }
}
