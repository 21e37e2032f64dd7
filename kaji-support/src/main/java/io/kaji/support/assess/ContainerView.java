package io.kaji.support.assess;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EphemeralContainer;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.SecurityContext;
import java.util.List;

/**
 * The fields of a container (regular, init or ephemeral) that checks read, with the path used in evidence.
 *
 * @param name the container's name
 * @param path the container's path in its object ({@code spec.template.spec.containers[app]})
 * @param init whether it is an init container (no probes expected)
 * @param ephemeral whether it is an ephemeral (debug) container
 */
public record ContainerView(String name, String path, boolean init, boolean ephemeral, String image,
                            SecurityContext securityContext, List<ContainerPort> ports, List<EnvVar> env,
                            List<EnvFromSource> envFrom, ResourceRequirements resources, Probe livenessProbe,
                            Probe readinessProbe) {

    static ContainerView of(Container c, String path, boolean init) {
        return new ContainerView(c.getName(), path, init, false, c.getImage(), c.getSecurityContext(),
                Workload.nonNull(c.getPorts()), Workload.nonNull(c.getEnv()), Workload.nonNull(c.getEnvFrom()),
                c.getResources(), c.getLivenessProbe(), c.getReadinessProbe());
    }

    static ContainerView of(EphemeralContainer c, String path) {
        return new ContainerView(c.getName(), path, false, true, c.getImage(), c.getSecurityContext(),
                Workload.nonNull(c.getPorts()), Workload.nonNull(c.getEnv()), Workload.nonNull(c.getEnvFrom()),
                c.getResources(), c.getLivenessProbe(), c.getReadinessProbe());
    }

    /** The security context, or an empty one (so callers need no null checks). */
    public SecurityContext sc() {
        return securityContext != null ? securityContext : new SecurityContext();
    }
}
