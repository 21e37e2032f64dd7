package io.kaji.node.runtime;

import java.util.List;

/** An image the runtime holds. */
public record ImageInfo(String id, List<String> tags, List<String> digests, long sizeBytes) {
}
