package io.kaji.apiserver.registry;

import java.util.List;

/**
 * The pod spec's container lists by field name, in the two orders Kubernetes walks them: its VisitContainers
 * (init containers first, as a pod runs them), and its validation and admission (the regular containers first,
 * which decides the order of the causes a refusal lists).
 */
public final class ContainerLists {

    /** {@code initContainers}, {@code containers}, {@code ephemeralContainers}: every container a pod may run. */
    public static final List<String> ALL = List.of("initContainers", "containers", "ephemeralContainers");

    /** {@code initContainers}, {@code containers}: those the pod's spec starts with (no debug containers). */
    public static final List<String> INIT_AND_REGULAR = List.of("initContainers", "containers");

    /** {@code containers}, {@code initContainers}: as validation, quota and the limit ranger go through them. */
    public static final List<String> REGULAR_AND_INIT = List.of("containers", "initContainers");

    private ContainerLists() {
    }
}
