package io.kaji.scheduler.plugins.imagelocality;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.kaji.scheduler.framework.CycleState;
import io.kaji.scheduler.framework.ImageNames;
import io.kaji.scheduler.framework.NodeInfo;
import io.kaji.scheduler.framework.PreScorePlugin;
import io.kaji.scheduler.framework.ScorePlugin;
import io.kaji.scheduler.framework.Status;
import io.kaji.scheduler.framework.TopologyIndex;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Score: prefers nodes that already hold the pod's images (from {@code status.images}), so the pod starts without a
 * pull, as Kubernetes' ImageLocality does. Each image present on the node counts its size scaled by the share of
 * nodes that have it (an image every node has does not make one node better, and this keeps all replicas from
 * piling onto the one node that pulled first); the sum is clamped between 23 MiB and 1000 MiB per container and
 * mapped linearly onto 0–100. When no node reports images (simulated nodes) the plugin skips the cycle.
 */
public final class ImageLocality implements PreScorePlugin, ScorePlugin {

    public static final String NAME = "ImageLocality";
    private static final long MIB = 1024L * 1024;
    static final long MIN_THRESHOLD = 23 * MIB;
    static final long MAX_CONTAINER_THRESHOLD = 1000 * MIB;
    private static final CycleState.Key<Images> IMAGES = new CycleState.Key<>(NAME);

    /** The pod's normalized images (init containers included) and, for each, how many nodes have it. */
    private record Images(List<String> names, Map<String, Integer> nodesWith, int totalNodes, int containers) {}

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Status preScore(CycleState state, Pod pod, List<NodeInfo> feasibleNodes) {
        List<String> names = new ArrayList<>();
        int containers = 0;
        for (List<Container> list : List.of(nullToEmpty(pod.getSpec().getInitContainers()),
                nullToEmpty(pod.getSpec().getContainers()))) {
            for (Container c : list) {
                containers++;
                if (c.getImage() != null && !c.getImage().isBlank()) {
                    names.add(ImageNames.normalize(c.getImage()));
                }
            }
        }
        // Nodes per image come from the snapshot's index, maintained as nodes change, not counted per cycle.
        TopologyIndex index = state.snapshot().topologyIndex();
        if (index.nodesWithImages() == 0 || names.isEmpty()) {
            return Status.skip();
        }
        state.write(IMAGES, new Images(names, index.imageNodes(), state.snapshot().size(), containers));
        return Status.success();
    }

    @Override
    public long score(CycleState state, Pod pod, NodeInfo node) {
        Images images = state.read(IMAGES);
        if (images == null) {
            return 0;
        }
        long sum = 0;
        for (String name : images.names()) {
            Long size = node.imageSizes().get(name);
            if (size != null) {
                double spread = (double) images.nodesWith().getOrDefault(name, 1) / images.totalNodes();
                sum += (long) (size * spread);
            }
        }
        long max = MAX_CONTAINER_THRESHOLD * Math.max(1, images.containers());
        long clamped = Math.max(MIN_THRESHOLD, Math.min(max, sum));
        return MAX_SCORE * (clamped - MIN_THRESHOLD) / (max - MIN_THRESHOLD);
    }

    private static <T> List<T> nullToEmpty(List<T> l) {
        return l == null ? List.of() : l;
    }
}
