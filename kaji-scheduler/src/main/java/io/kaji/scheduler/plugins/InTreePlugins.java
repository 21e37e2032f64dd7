package io.kaji.scheduler.plugins;

import io.kaji.scheduler.binder.PodBinder;
import io.kaji.scheduler.framework.ProfileConfig;
import io.kaji.scheduler.framework.Registry;
import io.kaji.scheduler.plugins.defaultbinder.DefaultBinder;
import io.kaji.scheduler.plugins.defaultpreemption.DefaultPreemption;
import io.kaji.scheduler.plugins.defaultpreemption.DisruptionBudgets;
import io.kaji.scheduler.plugins.defaultpreemption.Evictor;
import io.kaji.scheduler.plugins.imagelocality.ImageLocality;
import io.kaji.scheduler.plugins.interpodaffinity.InterPodAffinity;
import io.kaji.scheduler.plugins.nodeaffinity.NodeAffinity;
import io.kaji.scheduler.plugins.nodename.NodeName;
import io.kaji.scheduler.plugins.nodeports.NodePorts;
import io.kaji.scheduler.plugins.noderesources.NodeResourcesBalancedAllocation;
import io.kaji.scheduler.plugins.noderesources.NodeResourcesFit;
import io.kaji.scheduler.plugins.nodeunschedulable.NodeUnschedulable;
import io.kaji.scheduler.plugins.podtopologyspread.OwnerSelectors;
import io.kaji.scheduler.plugins.podtopologyspread.PodTopologySpread;
import io.kaji.scheduler.plugins.tainttoleration.TaintToleration;
import io.kaji.scheduler.plugins.volumebinding.VolumeBinding;
import io.kaji.scheduler.plugins.volumebinding.VolumeObjects;
import java.util.List;
import java.util.Map;

/** The plugins Kaji ships, and Kubernetes' default profile built from them. */
public final class InTreePlugins {

    /** {@code spec.schedulerName} of the default profile. */
    public static final String DEFAULT_SCHEDULER = "default-scheduler";

    private InTreePlugins() {
    }

    /** What the plugins that touch the cluster need. */
    public record Dependencies(PodBinder binder, Evictor evictor, OwnerSelectors ownerSelectors,
                               DisruptionBudgets budgets, VolumeObjects volumes) {

        /** Without PodDisruptionBudgets and volume objects (tests, clusters that do not serve them). */
        public Dependencies(PodBinder binder, Evictor evictor, OwnerSelectors ownerSelectors) {
            this(binder, evictor, ownerSelectors, DisruptionBudgets.NONE, VolumeObjects.NONE);
        }
    }

    /** Every in-tree plugin by name. */
    public static Registry registry(Dependencies deps) {
        return new Registry()
                .register(NodeUnschedulable.NAME, (args, h) -> new NodeUnschedulable())
                .register(NodeName.NAME, (args, h) -> new NodeName())
                .register(TaintToleration.NAME, (args, h) -> new TaintToleration())
                .register(NodeAffinity.NAME, (args, h) -> new NodeAffinity())
                .register(NodePorts.NAME, (args, h) -> new NodePorts())
                .register(NodeResourcesFit.NAME, (args, h) -> NodeResourcesFit.from(args))
                .register(VolumeBinding.NAME, (args, h) -> new VolumeBinding(deps.volumes()))
                .register(PodTopologySpread.NAME, (args, h) -> PodTopologySpread.from(args, deps.ownerSelectors()))
                .register(InterPodAffinity.NAME, (args, h) -> new InterPodAffinity())
                .register(DefaultPreemption.NAME, (args, h) -> new DefaultPreemption(h, deps.evictor(), deps.budgets()))
                .register(NodeResourcesBalancedAllocation.NAME, (args, h) -> new NodeResourcesBalancedAllocation())
                .register(ImageLocality.NAME, (args, h) -> new ImageLocality())
                .register(DefaultBinder.NAME, (args, h) -> new DefaultBinder(deps.binder()));
    }

    /**
     * Kubernetes' default profile: its plugins in its order, with its score weights (TaintToleration 3,
     * NodeAffinity 2, PodTopologySpread 2, InterPodAffinity 2, NodeResourcesFit 1, BalancedAllocation 1,
     * ImageLocality 1) and the
     * adaptive percentage of nodes to score.
     */
    public static ProfileConfig defaultProfile() {
        return new ProfileConfig(DEFAULT_SCHEDULER, List.of(
                new ProfileConfig.Enabled(NodeUnschedulable.NAME, 0),
                new ProfileConfig.Enabled(NodeName.NAME, 0),
                new ProfileConfig.Enabled(TaintToleration.NAME, 3),
                new ProfileConfig.Enabled(NodeAffinity.NAME, 2),
                new ProfileConfig.Enabled(NodePorts.NAME, 0),
                new ProfileConfig.Enabled(NodeResourcesFit.NAME, 1),
                new ProfileConfig.Enabled(VolumeBinding.NAME, 0),
                new ProfileConfig.Enabled(PodTopologySpread.NAME, 2),
                new ProfileConfig.Enabled(InterPodAffinity.NAME, 2),
                new ProfileConfig.Enabled(DefaultPreemption.NAME, 0),
                new ProfileConfig.Enabled(NodeResourcesBalancedAllocation.NAME, 1),
                new ProfileConfig.Enabled(ImageLocality.NAME, 1),
                new ProfileConfig.Enabled(DefaultBinder.NAME, 0)), 0, Map.of());
    }
}
