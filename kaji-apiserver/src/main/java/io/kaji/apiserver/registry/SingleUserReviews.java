package io.kaji.apiserver.registry;

import io.kaji.apiserver.serialization.Json;
import tools.jackson.databind.node.ObjectNode;

/**
 * Access reviews in single-user mode: the admin token may do everything, so every SelfSubjectAccessReview is
 * allowed and SelfSubjectRulesReview lists one rule for everything. The security work replaces these with RBAC.
 */
public final class SingleUserReviews {

    private static final String REASON = "single-user mode: the admin token is allowed every action";

    private SingleUserReviews() {
    }

    /** {@code kubectl auth can-i VERB RESOURCE}: always yes. */
    public static final ResourceStrategy ACCESS = new Review() {
        @Override
        public ObjectNode answer(ObjectNode request) {
            ObjectNode status = request.putObject("status");
            status.put("allowed", true);
            status.put("reason", REASON);
            return request;
        }
    };

    /** {@code kubectl auth can-i --list}: one rule covering every resource and URL. */
    public static final ResourceStrategy RULES = new Review() {
        @Override
        public ObjectNode answer(ObjectNode request) {
            ObjectNode status = request.putObject("status");
            ObjectNode rule = status.putArray("resourceRules").addObject();
            rule.putArray("verbs").add("*");
            rule.putArray("apiGroups").add("*");
            rule.putArray("resources").add("*");
            ObjectNode urls = status.putArray("nonResourceRules").addObject();
            urls.putArray("verbs").add("*");
            urls.putArray("nonResourceURLs").add("*");
            status.put("incomplete", false);
            return request;
        }
    };

    private abstract static class Review implements ResourceStrategy, VirtualResource {
        @Override
        public boolean tracksGeneration() {
            return false;
        }

        @Override
        public void prepareForCreate(ObjectNode o) {
            Json.metadata(o).remove("uid");
            Json.metadata(o).remove("creationTimestamp");
        }
    }
}
