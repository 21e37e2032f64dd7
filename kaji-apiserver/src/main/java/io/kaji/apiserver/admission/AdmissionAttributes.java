package io.kaji.apiserver.admission;

import io.kaji.apiserver.auth.UserInfo;
import java.util.Objects;
import tools.jackson.databind.node.ObjectNode;

/**
 * What one write asks for, as admission plugins see it (Kubernetes' {@code admission.Attributes}).
 *
 * @param operation   CREATE, UPDATE or DELETE
 * @param group       the API group, empty for core
 * @param version     the served version, e.g. {@code v1}
 * @param kind        the object's kind, e.g. {@code Pod}
 * @param resource    the plural resource name, e.g. {@code pods}
 * @param subresource e.g. {@code status}; null for the main resource
 * @param namespace   the namespace, null for cluster-scoped resources
 * @param name        the object's name (generated names already filled in)
 * @param object      the new object; mutating plugins change it in place, validating plugins only read it;
 *                    null on DELETE
 * @param oldObject   the stored object on UPDATE and DELETE, null on CREATE; never to be changed
 * @param user        who asked
 * @param dryRun      true when nothing will be written (plugins must then have no side effects)
 */
public record AdmissionAttributes(Operation operation, String group, String version, String kind, String resource,
        String subresource, String namespace, String name, ObjectNode object, ObjectNode oldObject, UserInfo user,
        boolean dryRun) {

    /** The operations admission sees. */
    public enum Operation { CREATE, UPDATE, DELETE }

    public AdmissionAttributes {
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(resource, "resource");
        group = group == null ? "" : group;
        user = user == null ? UserInfo.ANONYMOUS : user;
    }

    /** True for the main resource {@code group}/{@code resource} (no subresource). */
    public boolean isMain(String group, String resource) {
        return subresource == null && this.group.equals(group) && this.resource.equals(resource);
    }

    /** True for {@code group}/{@code resource} or any of its subresources. */
    public boolean is(String group, String resource) {
        return this.group.equals(group) && this.resource.equals(resource);
    }
}
