package io.kaji.scheduler.framework;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.Map;

/** Runs when no node passed the filters, e.g. preemption: tries to make room for the pod. */
public interface PostFilterPlugin extends Plugin {

    /**
     * @param nodeStatuses why each node was rejected, by node name
     * @return a success with the nominated node, or a rejection whose reasons end the event message
     */
    Result postFilter(CycleState state, Pod pod, Map<String, Status> nodeStatuses);

    /** The outcome: on success, the node the pod is nominated to (room is being made there). */
    record Result(Status status, String nominatedNodeName) {

        public static Result rejected(Status status) {
            return new Result(status, null);
        }
    }
}
