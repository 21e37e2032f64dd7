package io.kaji.apiserver.registry;

/**
 * A read-only resource computed on request rather than stored (metrics.k8s.io's NodeMetrics and PodMetrics): its
 * strategy implements this marker, and the handler answers GET and LIST from the computation; every other verb is
 * 405 MethodNotAllowed.
 */
public interface ComputedResource extends ResourceStrategy {
}
