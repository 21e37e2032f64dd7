package io.kaji.node.containerd;

import java.time.Instant;
import java.util.Objects;

/**
 * The supervised runtime's health as the agent reports it: {@code ready} maps to the node's Ready condition, and
 * {@code reason}/{@code message} to that condition's reason and message while it is not ready.
 *
 * @param ready   whether the CRI answered its Version call after the last (re)start
 * @param reason  a CamelCase reason ({@code ContainerdStarting}, {@code ContainerdExited}, {@code ContainerdNotAnswering},
 *                {@code ContainerdStopped}, or {@code ContainerdReady})
 * @param message a sentence for people
 * @param since   when this state began
 * @param restarts how many times the supervisor restarted containerd since {@code start}
 */
public record RuntimeHealth(boolean ready, String reason, String message, Instant since, int restarts) {

    public RuntimeHealth {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(since, "since");
    }

    static RuntimeHealth notReady(String reason, String message, Instant now, int restarts) {
        return new RuntimeHealth(false, reason, message, now, restarts);
    }
}
