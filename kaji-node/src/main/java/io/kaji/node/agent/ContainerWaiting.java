package io.kaji.node.agent;

/** Why a container is not running yet: a Kubernetes waiting reason and message. */
public record ContainerWaiting(String reason, String message) {
}
