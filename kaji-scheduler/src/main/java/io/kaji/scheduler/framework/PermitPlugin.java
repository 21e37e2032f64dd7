package io.kaji.scheduler.framework;

import io.fabric8.kubernetes.api.model.Pod;

/**
 * The last word before binding: allow or reject the pod on its node. (Kubernetes also lets a Permit plugin make
 * the pod wait, for gang scheduling; Kaji does not support waiting yet, and treats WAIT as an error.)
 */
public interface PermitPlugin extends Plugin {

    Status permit(CycleState state, Pod pod, String nodeName);
}
