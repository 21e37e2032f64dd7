package io.kaji.support.assess;

import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One assessment check: its identity (a CIS Kubernetes Benchmark id such as {@code 5.2.2}, or Kaji's own id for
 * the Pod Security Standards and reliability checks), what it needs from the cluster and how it decides.
 *
 * @param id the check id, unique in a registry
 * @param title one line, as the benchmark words it
 * @param section the section it is scored in ({@code 5.2 Pod Security Standards})
 * @param severity how much a failure matters
 * @param automated whether the check is decided by code (false: it always asks a person, status MANUAL)
 * @param remediation what to do about a failure, one or two sentences
 * @param needs the resource lists the check reads; when one of them could not be listed the check is not run
 *              and reports ERROR instead of a silent PASS
 * @param evaluator the decision
 */
public record Check(String id, String title, String section, Severity severity, boolean automated,
                    String remediation, Set<ResourceKind> needs, Evaluator evaluator) {

    public Check {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(section, "section");
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(remediation, "remediation");
        Objects.requireNonNull(evaluator, "evaluator");
        needs = needs.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(needs));
    }

    /** The decision of a check: its findings for the cluster in {@code context}. Must not throw for bad data. */
    @FunctionalInterface
    public interface Evaluator {
        List<Finding> evaluate(AssessmentContext context);
    }

    /** The top-level section number ({@code 5} for {@code 5.2 Pod Security Standards}, {@code PSS}, ...). */
    public String topSection() {
        String head = section.split(" ", 2)[0];
        int dot = head.indexOf('.');
        return dot < 0 ? head : head.substring(0, dot);
    }

    public static Builder builder(String id, String title) {
        return new Builder(id, title);
    }

    /** Builds a {@link Check}; severity defaults to MEDIUM, automated to true. */
    public static final class Builder {
        private final String id;
        private final String title;
        private String section;
        private Severity severity = Severity.MEDIUM;
        private boolean automated = true;
        private String remediation;
        private final EnumSet<ResourceKind> needs = EnumSet.noneOf(ResourceKind.class);

        private Builder(String id, String title) {
            this.id = id;
            this.title = title;
        }

        public Builder section(String value) {
            this.section = value;
            return this;
        }

        public Builder severity(Severity value) {
            this.severity = value;
            return this;
        }

        public Builder manual() {
            this.automated = false;
            return this;
        }

        public Builder remediation(String value) {
            this.remediation = value;
            return this;
        }

        public Builder needs(ResourceKind... kinds) {
            needs.addAll(List.of(kinds));
            return this;
        }

        public Builder needs(Set<ResourceKind> kinds) {
            needs.addAll(kinds);
            return this;
        }

        public Check evaluate(Evaluator evaluator) {
            return new Check(id, title, section, severity, automated, remediation, needs, evaluator);
        }
    }
}
