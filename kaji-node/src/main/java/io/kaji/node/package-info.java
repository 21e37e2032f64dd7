/**
 * The node agent's runtime foundation: a CRI client ({@link io.kaji.node.cri}), a supervised private containerd
 * ({@link io.kaji.node.containerd}), images built and imported without a registry ({@link io.kaji.node.image}),
 * the {@link io.kaji.node.runtime.ContainerRuntime} the pod workers use, CRI log files ({@link io.kaji.node.logs})
 * and the node's CNI bridge configuration ({@link io.kaji.node.cni}).
 */
package io.kaji.node;
