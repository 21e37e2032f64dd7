package io.kaji.node.server;

import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewStatus;
import io.fabric8.kubernetes.api.model.authentication.UserInfo;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** The agent endpoint's TokenReviews and SubjectAccessReviews, asked with the agent's own API client. */
public final class ApiReviews implements AgentAuth.Reviews {

    private final KubernetesClient client;

    public ApiReviews(KubernetesClient client) {
        this.client = client;
    }

    @Override
    public Optional<AgentAuth.Caller> token(String token) {
        TokenReview review = client.tokenReviews().create(new TokenReviewBuilder().withNewSpec().withToken(token)
                .endSpec().build());
        TokenReviewStatus status = review.getStatus();
        if (status == null || !Boolean.TRUE.equals(status.getAuthenticated()) || status.getUser() == null) {
            return Optional.empty();
        }
        UserInfo user = status.getUser();
        return Optional.of(new AgentAuth.Caller(Objects.requireNonNullElse(user.getUsername(), ""),
                Objects.requireNonNullElse(user.getUid(), ""),
                Objects.requireNonNullElse(user.getGroups(), List.of()),
                Objects.requireNonNullElse(user.getExtra(), Map.<String, List<String>>of())));
    }

    @Override
    public AgentAuth.Decision access(AgentAuth.Caller caller, AgentAuth.Attributes attributes, String node) {
        SubjectAccessReview review = client.authorization().v1().subjectAccessReview().create(
                new SubjectAccessReviewBuilder().withNewSpec().withUser(caller.name())
                        .withUid(caller.uid().isEmpty() ? null : caller.uid()).withGroups(caller.groups())
                        .withExtra(caller.extra().isEmpty() ? null : caller.extra())
                        .withNewResourceAttributes().withVerb(attributes.verb()).withGroup("").withVersion("v1")
                        .withResource("nodes").withSubresource(attributes.subresource()).withName(node)
                        .endResourceAttributes().endSpec().build());
        boolean allowed = review.getStatus() != null && Boolean.TRUE.equals(review.getStatus().getAllowed());
        String reason = review.getStatus() == null ? "" : Objects.requireNonNullElse(review.getStatus().getReason(),
                "");
        return new AgentAuth.Decision(allowed, reason);
    }
}
