package io.kaji.controllers.job;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.kaji.controllers.runtime.Controller;
import io.kaji.controllers.runtime.EventRecorder;
import io.kaji.controllers.runtime.Expectations;
import io.kaji.controllers.runtime.Keys;
import io.kaji.controllers.runtime.Pods;
import io.kaji.controllers.runtime.Reconciler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Runs Jobs to completion (batch/v1, NonIndexed completion mode): keeps up to {@code parallelism} pods active
 * until {@code completions} have succeeded; counts failures against {@code backoffLimit} (failed pods, plus
 * container restarts under restartPolicy OnFailure) with Kubernetes' back-off between retries (10 s doubling,
 * capped at 6 min), after {@code podFailurePolicy} (see {@link PodFailurePolicy}) has had its say on each failed
 * pod; fails the Job after {@code activeDeadlineSeconds}; marks it Complete or Failed with Kubernetes' condition
 * reasons; deletes a finished Job after {@code ttlSecondsAfterFinished}.
 */
public final class JobController implements Reconciler {

    public static final String CONTROLLER_UID = "batch.kubernetes.io/controller-uid";
    public static final String JOB_NAME = "batch.kubernetes.io/job-name";
    private static final Duration BACKOFF_BASE = Duration.ofSeconds(10);
    private static final Duration BACKOFF_MAX = Duration.ofMinutes(6);

    private final KubernetesClient client;
    private final SharedIndexInformer<Job> jobs;
    private final SharedIndexInformer<Pod> pods;
    private final EventRecorder events;
    private final Clock clock;
    private final Expectations expectations;
    private final Controller controller;

    public JobController(KubernetesClient client, SharedIndexInformer<Job> jobs, SharedIndexInformer<Pod> pods,
                         EventRecorder events, Clock clock, int workers) {
        this.client = client;
        this.jobs = jobs;
        this.pods = pods;
        this.events = events;
        this.clock = clock;
        this.expectations = new Expectations(clock);
        this.controller = new Controller("job", this, workers);
        jobs.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Job j) {
                controller.enqueue(Keys.of(j));
            }

            @Override
            public void onUpdate(Job old, Job j) {
                controller.enqueue(Keys.of(j));
            }

            @Override
            public void onDelete(Job j, boolean unknownFinalState) {
                expectations.delete(Keys.of(j));
            }
        });
        pods.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod p) {
                ownerKey(p).ifPresent(k -> {
                    expectations.creationObserved(k);
                    controller.enqueue(k);
                });
            }

            @Override
            public void onUpdate(Pod old, Pod p) {
                ownerKey(p).ifPresent(controller::enqueue);
            }

            @Override
            public void onDelete(Pod p, boolean unknownFinalState) {
                ownerKey(p).ifPresent(k -> {
                    expectations.deletionObserved(k, p.getMetadata().getUid());
                    controller.enqueue(k);
                });
            }
        });
    }

    public Controller controller() {
        return controller;
    }

    private static Optional<String> ownerKey(Pod p) {
        return Pods.controllerOf(p).filter(r -> "Job".equals(r.getKind()))
                .map(r -> Keys.of(p.getMetadata().getNamespace(), r.getName()));
    }

    @Override
    public Result reconcile(String key) {
        Job job = jobs.getStore().getByKey(key);
        if (job == null) {
            return Result.done();
        }
        Instant now = clock.instant();
        if (finished(job) != null) {
            return expireIfDone(job, now);
        }
        List<Pod> owned = new ArrayList<>();
        for (Pod p : pods.getIndexer().byIndex(Cache.NAMESPACE_INDEX, job.getMetadata().getNamespace())) {
            if (Pods.controllerOf(p).map(r -> job.getMetadata().getUid().equals(r.getUid())).orElse(false)) {
                owned.add(p);
            }
        }
        List<Pod> active = owned.stream().filter(Pods::isActive).toList();
        int succeeded = (int) owned.stream().filter(p -> "Succeeded".equals(phase(p))).count();
        boolean onFailure = "OnFailure".equals(job.getSpec().getTemplate().getSpec().getRestartPolicy());
        int failedPods = 0;
        String policyFailure = null;
        for (Pod p : owned) {
            if (!"Failed".equals(phase(p))) {
                continue;
            }
            PodFailurePolicy.Verdict v = PodFailurePolicy.evaluate(job.getSpec().getPodFailurePolicy(), p);
            if (v.action() != PodFailurePolicy.Action.IGNORE) {
                failedPods++;
            }
            if (v.action() == PodFailurePolicy.Action.FAIL_JOB && policyFailure == null) {
                policyFailure = v.message();
            }
        }
        int failures = failedPods + (onFailure ? active.stream().mapToInt(JobController::restarts).sum() : 0);
        int completions = Optional.ofNullable(job.getSpec().getCompletions()).orElse(1);
        int parallelism = Optional.ofNullable(job.getSpec().getParallelism()).orElse(1);
        int backoffLimit = Optional.ofNullable(job.getSpec().getBackoffLimit()).orElse(6);
        Instant start = job.getStatus() != null && job.getStatus().getStartTime() != null
                ? Instant.parse(job.getStatus().getStartTime()) : now;

        String failReason = null;
        String failMessage = null;
        if (policyFailure != null) {
            failReason = "PodFailurePolicy";
            failMessage = policyFailure;
        } else if (failures > backoffLimit) {
            failReason = "BackoffLimitExceeded";
            failMessage = "Job has reached the specified backoff limit";
        } else if (job.getSpec().getActiveDeadlineSeconds() != null
                && !now.isBefore(start.plusSeconds(job.getSpec().getActiveDeadlineSeconds()))) {
            failReason = "DeadlineExceeded";
            failMessage = "Job was active longer than specified deadline";
        }
        boolean complete = succeeded >= completions;
        Duration requeue = null;
        boolean suspended = Boolean.TRUE.equals(job.getSpec().getSuspend());
        if (failReason != null || complete || suspended) {
            for (Pod p : active) {
                deletePod(p);
            }
        } else if (expectations.satisfied(key)) {
            int wanted = Math.min(parallelism, completions - succeeded);
            int toCreate = wanted - active.size();
            if (toCreate > 0) {
                Duration backoff = backoff(failures, owned, now);
                if (backoff.isZero()) {
                    expectations.expectCreations(key, toCreate);
                    for (int i = 0; i < toCreate; i++) {
                        try {
                            Pod created = client.pods().inNamespace(job.getMetadata().getNamespace()).resource(podFor(job)).create();
                            events.normal(job, "SuccessfulCreate", "Created pod: " + created.getMetadata().getName());
                        } catch (KubernetesClientException e) {
                            for (int j = i; j < toCreate; j++) {
                                expectations.creationObserved(key);
                            }
                            events.warning(job, "FailedCreate", "Error creating: " + e.getMessage());
                            throw e;
                        }
                    }
                } else {
                    requeue = backoff;
                }
            } else if (toCreate < 0) {
                active.stream().sorted(Pods.DELETION_ORDER).limit(-toCreate).forEach(this::deletePod);
            }
            if (job.getSpec().getActiveDeadlineSeconds() != null) {
                Duration left = Duration.between(now, start.plusSeconds(job.getSpec().getActiveDeadlineSeconds()));
                requeue = requeue == null || left.compareTo(requeue) < 0 ? left.plusMillis(100) : requeue;
            }
        }
        writeStatus(job, start, now, active.size(), succeeded, failedPods, complete, failReason, failMessage);
        if (failReason != null) {
            events.warning(job, failReason, failMessage);
        } else if (complete) {
            events.normal(job, "Completed", "Job completed");
        }
        return requeue == null ? Result.done() : Result.requeueAfter(requeue);
    }

    /** Kubernetes' pod failure back-off: 10 s doubling per failure, counted from the last failure, capped. */
    private static Duration backoff(int failures, List<Pod> owned, Instant now) {
        if (failures == 0) {
            return Duration.ZERO;
        }
        Duration delay = BACKOFF_BASE.multipliedBy(1L << Math.min(failures - 1, 10));
        if (delay.compareTo(BACKOFF_MAX) > 0) {
            delay = BACKOFF_MAX;
        }
        Instant lastFailure = owned.stream().filter(p -> "Failed".equals(phase(p)))
                .map(JobController::finishedAt).filter(Objects::nonNull).max(Instant::compareTo).orElse(null);
        if (lastFailure == null) {
            return Duration.ZERO;
        }
        Duration left = Duration.between(now, lastFailure.plus(delay));
        return left.isNegative() ? Duration.ZERO : left;
    }

    private static Instant finishedAt(Pod p) {
        if (p.getStatus() == null || p.getStatus().getContainerStatuses() == null) {
            return p.getMetadata().getCreationTimestamp() == null ? null : Instant.parse(p.getMetadata().getCreationTimestamp());
        }
        return p.getStatus().getContainerStatuses().stream()
                .map(ContainerStatus::getState)
                .filter(s -> s != null && s.getTerminated() != null && s.getTerminated().getFinishedAt() != null)
                .map(s -> Instant.parse(s.getTerminated().getFinishedAt()))
                .max(Instant::compareTo)
                .orElse(Instant.parse(p.getMetadata().getCreationTimestamp()));
    }

    private static String phase(Pod p) {
        return p.getStatus() == null ? null : p.getStatus().getPhase();
    }

    private static int restarts(Pod p) {
        if (p.getStatus() == null || p.getStatus().getContainerStatuses() == null) {
            return 0;
        }
        return p.getStatus().getContainerStatuses().stream().mapToInt(c -> Optional.ofNullable(c.getRestartCount()).orElse(0)).sum();
    }

    private void deletePod(Pod p) {
        try {
            client.pods().inNamespace(p.getMetadata().getNamespace()).withName(p.getMetadata().getName()).delete();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
    }

    static Pod podFor(Job job) {
        var meta = job.getSpec().getTemplate().getMetadata();
        Map<String, String> labels = new LinkedHashMap<>(meta == null || meta.getLabels() == null ? Map.of() : meta.getLabels());
        labels.put(CONTROLLER_UID, job.getMetadata().getUid());
        labels.put(JOB_NAME, job.getMetadata().getName());
        labels.put("controller-uid", job.getMetadata().getUid());
        labels.put("job-name", job.getMetadata().getName());
        return new PodBuilder()
                .withNewMetadata()
                .withGenerateName(job.getMetadata().getName() + "-")
                .withNamespace(job.getMetadata().getNamespace())
                .withLabels(labels)
                .withAnnotations(meta == null ? null : meta.getAnnotations())
                .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("batch/v1").withKind("Job")
                        .withName(job.getMetadata().getName()).withUid(job.getMetadata().getUid())
                        .withController(true).withBlockOwnerDeletion(true).build())
                .endMetadata()
                .withSpec(job.getSpec().getTemplate().getSpec())
                .build();
    }

    /** The terminal condition type (Complete or Failed) if the Job has one. */
    private static String finished(Job job) {
        if (job.getStatus() == null || job.getStatus().getConditions() == null) {
            return null;
        }
        return job.getStatus().getConditions().stream()
                .filter(c -> ("Complete".equals(c.getType()) || "Failed".equals(c.getType())) && "True".equals(c.getStatus()))
                .map(JobCondition::getType).findFirst().orElse(null);
    }

    /** ttlSecondsAfterFinished: delete the finished Job (and, in the background, its pods) when it runs out. */
    private Result expireIfDone(Job job, Instant now) {
        Long ttl = job.getSpec().getTtlSecondsAfterFinished() == null ? null : job.getSpec().getTtlSecondsAfterFinished().longValue();
        if (ttl == null) {
            return Result.done();
        }
        String finishedAt = job.getStatus().getConditions().stream()
                .filter(c -> "Complete".equals(c.getType()) || "Failed".equals(c.getType()))
                .map(JobCondition::getLastTransitionTime).filter(Objects::nonNull).findFirst()
                .orElse(job.getStatus().getCompletionTime());
        Instant expires = (finishedAt == null ? now : Instant.parse(finishedAt)).plusSeconds(ttl);
        if (now.isBefore(expires)) {
            return Result.requeueAfter(Duration.between(now, expires).plusMillis(100));
        }
        client.batch().v1().jobs().inNamespace(job.getMetadata().getNamespace()).withName(job.getMetadata().getName())
                .withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
        return Result.done();
    }

    private void writeStatus(Job job, Instant start, Instant now, int active, int succeeded, int failed, boolean complete,
                             String failReason, String failMessage) {
        String ts = DateTimeFormatter.ISO_INSTANT.format(now.truncatedTo(ChronoUnit.SECONDS));
        List<JobCondition> conditions = new ArrayList<>(job.getStatus() == null || job.getStatus().getConditions() == null
                ? List.of() : job.getStatus().getConditions());
        if (failReason != null) {
            conditions.add(new JobConditionBuilder().withType("FailureTarget").withStatus("True").withReason(failReason)
                    .withMessage(failMessage).withLastProbeTime(ts).withLastTransitionTime(ts).build());
            conditions.add(new JobConditionBuilder().withType("Failed").withStatus("True").withReason(failReason)
                    .withMessage(failMessage).withLastProbeTime(ts).withLastTransitionTime(ts).build());
        } else if (complete) {
            conditions.add(new JobConditionBuilder().withType("SuccessCriteriaMet").withStatus("True")
                    .withReason("CompletionsReached").withMessage("Reached expected number of succeeded pods")
                    .withLastProbeTime(ts).withLastTransitionTime(ts).build());
            conditions.add(new JobConditionBuilder().withType("Complete").withStatus("True")
                    .withReason("CompletionsReached").withMessage("Reached expected number of succeeded pods")
                    .withLastProbeTime(ts).withLastTransitionTime(ts).build());
        }
        JobStatus status = new JobStatusBuilder()
                .withStartTime(DateTimeFormatter.ISO_INSTANT.format(start.truncatedTo(ChronoUnit.SECONDS)))
                .withActive(active == 0 ? null : active)
                .withSucceeded(succeeded == 0 ? null : succeeded)
                .withFailed(failed == 0 ? null : failed)
                .withCompletionTime(complete && failReason == null ? ts : null)
                .withConditions(conditions.isEmpty() ? null : conditions)
                .build();
        if (!status.equals(job.getStatus())) {
            client.batch().v1().jobs().inNamespace(job.getMetadata().getNamespace())
                    .resource(new JobBuilder(job).withStatus(status).build()).updateStatus();
        }
    }
}
