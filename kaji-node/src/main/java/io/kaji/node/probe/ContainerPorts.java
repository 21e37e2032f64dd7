package io.kaji.node.probe;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;

/** Resolves a probe's or hook's {@code port}, a number or the name of one of the container's ports. */
final class ContainerPorts {

    private ContainerPorts() {
    }

    /**
     * The port number.
     *
     * @throws IllegalArgumentException naming the port when it is neither a valid number nor a named port of the
     *                                  container
     */
    static int resolve(IntOrString port, Container c) {
        if (port == null) {
            throw new IllegalArgumentException("no port given");
        }
        Integer number = port.getIntVal();
        if (number == null && port.getStrVal() != null) {
            String name = port.getStrVal();
            if (c.getPorts() != null) {
                for (ContainerPort p : c.getPorts()) {
                    if (name.equals(p.getName()) && p.getContainerPort() != null) {
                        number = p.getContainerPort();
                        break;
                    }
                }
            }
            if (number == null) {
                try {
                    number = Integer.parseInt(name);
                } catch (NumberFormatException e) {
                    // The kubelet's words (it tries a number after the names).
                    throw new IllegalArgumentException("strconv.Atoi: parsing \"" + name + "\": invalid syntax");
                }
            }
        }
        if (number == null || number <= 0 || number > 65535) {
            throw new IllegalArgumentException("invalid port number: " + number);
        }
        return number;
    }
}
