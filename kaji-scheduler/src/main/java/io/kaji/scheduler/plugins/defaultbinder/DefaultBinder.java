package io.kaji.scheduler.plugins.defaultbinder;

import io.fabric8.kubernetes.api.model.Pod;
import io.kaji.scheduler.binder.PodBinder;
import io.kaji.scheduler.framework.BindPlugin;
import io.kaji.scheduler.framework.CycleState;
import io.kaji.scheduler.framework.Status;

/** Bind: assigns the pod to its node through the API ({@code pods/binding}), via the injected {@link PodBinder}. */
public final class DefaultBinder implements BindPlugin {

    public static final String NAME = "DefaultBinder";

    private final PodBinder binder;

    public DefaultBinder(PodBinder binder) {
        this.binder = binder;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Status bind(CycleState state, Pod pod, String nodeName) {
        return binder.bind(pod, nodeName);
    }
}
