package io.kaji.cli;

import io.fabric8.kubernetes.client.Config;

/**
 * The User-Agent each Kaji component sends, {@code <component>/<version> (linux/amd64) kaji}, as client-go's
 * components do: the API server names a write's field manager after its first segment, so {@code kubectl get
 * --show-managed-fields} shows {@code kaji-controller-manager}, {@code kaji-scheduler} or {@code kaji-agent}
 * (Kubernetes: kube-controller-manager, kube-scheduler, kubelet) instead of fabric8's client name; the audit log
 * records it too.
 */
final class UserAgents {

    static final String CONTROLLER_MANAGER = "kaji-controller-manager";
    static final String SCHEDULER = "kaji-scheduler";
    static final String AGENT = "kaji-agent";

    private UserAgents() {
    }

    /** Sets {@code component}'s User-Agent on {@code config}; returns it. */
    static Config of(Config config, String component) {
        config.setUserAgent(component + "/" + VersionCommand.version() + " (linux/amd64) kaji");
        return config;
    }
}
