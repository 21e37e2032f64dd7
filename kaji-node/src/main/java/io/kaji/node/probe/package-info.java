/**
 * Container probes as the kubelet runs them: the handlers ({@link io.kaji.node.probe.ExecProbe},
 * {@link io.kaji.node.probe.HttpGetProbe}, {@link io.kaji.node.probe.TcpProbe}, {@link io.kaji.node.probe.GrpcProbe})
 * behind one {@link io.kaji.node.probe.Prober}, and the {@link io.kaji.node.probe.ProbeManager} that times
 * liveness, readiness and startup probes per container on one shared timer and reports result changes to the pod
 * workers. The handlers also serve the lifecycle hooks (postStart, preStop).
 */
package io.kaji.node.probe;
