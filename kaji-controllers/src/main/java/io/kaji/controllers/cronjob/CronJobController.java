package io.kaji.controllers.cronjob;

import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobStatus;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobStatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.kaji.controllers.runtime.Controller;
import io.kaji.controllers.runtime.EventRecorder;
import io.kaji.controllers.runtime.Handlers;
import io.kaji.controllers.runtime.Keys;
import io.kaji.controllers.runtime.Pods;
import io.kaji.controllers.runtime.Reconciler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Creates a Job for each scheduled time of a CronJob (batch/v1): cron schedule in {@code spec.timeZone} (UTC by
 * default), concurrencyPolicy Allow/Forbid/Replace, startingDeadlineSeconds, suspend, the successful/failed history
 * limits (3 and 1), and missed starts: only the most recent missed time runs (with a TooManyMissedTimes event when
 * more than 100 were missed), as Kubernetes does. Time comes from the injected clock, so tests drive it.
 */
public final class CronJobController implements Reconciler {

    public static final String SCHEDULED_TIMESTAMP = "batch.kubernetes.io/cronjob-scheduled-timestamp";

    private final KubernetesClient client;
    private final SharedIndexInformer<CronJob> cronJobs;
    private final SharedIndexInformer<Job> jobs;
    private final EventRecorder events;
    private final Clock clock;
    private final Controller controller;

    public CronJobController(KubernetesClient client, SharedIndexInformer<CronJob> cronJobs, SharedIndexInformer<Job> jobs,
                             EventRecorder events, Clock clock, int workers) {
        this.client = client;
        this.cronJobs = cronJobs;
        this.jobs = jobs;
        this.events = events;
        this.clock = clock;
        this.controller = new Controller("cronjob", this, workers);
        cronJobs.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(CronJob cj) {
                controller.enqueue(Keys.of(cj));
            }

            @Override
            public void onUpdate(CronJob old, CronJob cj) {
                controller.enqueue(Keys.of(cj));
            }

            @Override
            public void onDelete(CronJob cj, boolean unknownFinalState) {
            }
        });
        jobs.addEventHandler(Handlers.onAnyChange(j -> owner(j).ifPresent(controller::enqueue)));
    }

    public Controller controller() {
        return controller;
    }

    private static Optional<String> owner(Job j) {
        return Pods.controllerOf(j).filter(r -> "CronJob".equals(r.getKind()))
                .map(r -> Keys.of(j.getMetadata().getNamespace(), r.getName()));
    }

    @Override
    public Result reconcile(String key) {
        CronJob cj = cronJobs.getStore().getByKey(key);
        if (cj == null || cj.getMetadata().getDeletionTimestamp() != null) {
            return Result.done();
        }
        CronSchedule schedule;
        ZoneId zone;
        try {
            schedule = CronSchedule.parse(cj.getSpec().getSchedule());
            zone = cj.getSpec().getTimeZone() == null ? ZoneOffset.UTC : ZoneId.of(cj.getSpec().getTimeZone());
        } catch (RuntimeException e) {
            events.warning(cj, "UnparseableSchedule", "unparseable schedule: " + e.getMessage());
            return Result.done();
        }
        Instant now = clock.instant();
        List<Job> owned = new ArrayList<>();
        for (Job j : jobs.getIndexer().byIndex(Cache.NAMESPACE_INDEX, cj.getMetadata().getNamespace())) {
            if (Pods.controllerOf(j).map(r -> cj.getMetadata().getUid().equals(r.getUid())).orElse(false)) {
                owned.add(j);
            }
        }
        List<Job> active = owned.stream().filter(j -> finished(j) == null).toList();
        CronJobStatus previous = cj.getStatus() == null ? new CronJobStatus() : cj.getStatus();
        String lastSchedule = previous.getLastScheduleTime();
        String lastSuccess = owned.stream().filter(j -> "Complete".equals(finished(j)))
                .map(j -> j.getStatus().getCompletionTime()).filter(java.util.Objects::nonNull)
                .max(Comparator.naturalOrder()).orElse(previous.getLastSuccessfulTime());

        if (!Boolean.TRUE.equals(cj.getSpec().getSuspend())) {
            Instant from = lastSchedule != null ? Instant.parse(lastSchedule) : Instant.parse(cj.getMetadata().getCreationTimestamp());
            ZonedDateTime missed = null;
            int missedCount = 0;
            for (ZonedDateTime t = schedule.next(from.atZone(zone), zone); !t.toInstant().isAfter(now); t = schedule.next(t, zone)) {
                missed = t;
                if (++missedCount > 100) {
                    // Jump to the latest one instead of walking an unbounded past.
                    events.warning(cj, "TooManyMissedTimes", "too many missed start times: > 100. Set or decrease "
                            + ".spec.startingDeadlineSeconds or check clock skew");
                    ZonedDateTime latest = missed;
                    for (ZonedDateTime u = schedule.next(now.minus(Duration.ofDays(366)).atZone(zone), zone);
                         !u.toInstant().isAfter(now); u = schedule.next(u, zone)) {
                        latest = u;
                    }
                    missed = latest;
                    break;
                }
            }
            if (missed != null) {
                Long deadline = cj.getSpec().getStartingDeadlineSeconds();
                String policy = Optional.ofNullable(cj.getSpec().getConcurrencyPolicy()).orElse("Allow");
                if (deadline != null && Duration.between(missed.toInstant(), now).getSeconds() > deadline) {
                    events.warning(cj, "MissSchedule", "Missed scheduled time to start a job: " + format(missed.toInstant()));
                    lastSchedule = format(missed.toInstant());
                } else if ("Forbid".equals(policy) && !active.isEmpty()) {
                    events.normal(cj, "JobAlreadyActive", "Not starting job because prior execution is running and "
                            + "concurrency policy is Forbid");
                } else {
                    if ("Replace".equals(policy)) {
                        for (Job j : active) {
                            deleteJob(j);
                            events.normal(cj, "SuccessfulDelete", "Deleted job " + j.getMetadata().getName());
                        }
                        active = List.of();
                    }
                    Job created = createJob(cj, missed.toInstant());
                    if (created != null) {
                        List<Job> nowActive = new ArrayList<>(active);
                        nowActive.add(created);
                        active = nowActive;
                    }
                    lastSchedule = format(missed.toInstant());
                }
            }
        }
        cleanupHistory(cj, owned);
        writeStatus(cj, previous, active, lastSchedule, lastSuccess);
        if (Boolean.TRUE.equals(cj.getSpec().getSuspend())) {
            return Result.done();
        }
        ZonedDateTime next = schedule.next(now.atZone(zone), zone);
        return Result.requeueAfter(Duration.between(now, next.toInstant()).plusMillis(100));
    }

    private Job createJob(CronJob cj, Instant scheduled) {
        var template = cj.getSpec().getJobTemplate();
        Map<String, String> annotations = new LinkedHashMap<>(template.getMetadata() == null || template.getMetadata().getAnnotations() == null
                ? Map.of() : template.getMetadata().getAnnotations());
        annotations.put(SCHEDULED_TIMESTAMP, format(scheduled));
        Job job = new JobBuilder()
                .withNewMetadata()
                .withName(cj.getMetadata().getName() + "-" + scheduled.getEpochSecond() / 60)
                .withNamespace(cj.getMetadata().getNamespace())
                .withLabels(template.getMetadata() == null ? null : template.getMetadata().getLabels())
                .withAnnotations(annotations)
                .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("batch/v1").withKind("CronJob")
                        .withName(cj.getMetadata().getName()).withUid(cj.getMetadata().getUid())
                        .withController(true).withBlockOwnerDeletion(true).build())
                .endMetadata()
                .withSpec(template.getSpec())
                .build();
        try {
            Job created = client.batch().v1().jobs().inNamespace(cj.getMetadata().getNamespace()).resource(job).create();
            events.normal(cj, "SuccessfulCreate", "Created job " + created.getMetadata().getName());
            return created;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                return null; // already created for this time (a retry after a lost status write)
            }
            events.warning(cj, "FailedCreate", "Error creating job: " + e.getMessage());
            throw e;
        }
    }

    private void cleanupHistory(CronJob cj, List<Job> owned) {
        int keepSucceeded = Optional.ofNullable(cj.getSpec().getSuccessfulJobsHistoryLimit()).orElse(3);
        int keepFailed = Optional.ofNullable(cj.getSpec().getFailedJobsHistoryLimit()).orElse(1);
        for (String kind : List.of("Complete", "Failed")) {
            List<Job> done = owned.stream().filter(j -> kind.equals(finished(j)))
                    .sorted(Comparator.comparing(j -> j.getMetadata().getCreationTimestamp())).toList();
            int keep = kind.equals("Complete") ? keepSucceeded : keepFailed;
            for (int i = 0; i < done.size() - keep; i++) {
                deleteJob(done.get(i));
                events.normal(cj, "SawCompletedJob", "Deleted job " + done.get(i).getMetadata().getName());
            }
        }
    }

    private void deleteJob(Job j) {
        try {
            client.batch().v1().jobs().inNamespace(j.getMetadata().getNamespace()).withName(j.getMetadata().getName())
                    .withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
    }

    private void writeStatus(CronJob cj, CronJobStatus previous, List<Job> active, String lastSchedule, String lastSuccess) {
        List<ObjectReference> refs = active.stream().map(j -> new ObjectReferenceBuilder().withApiVersion("batch/v1")
                .withKind("Job").withNamespace(j.getMetadata().getNamespace()).withName(j.getMetadata().getName())
                .withUid(j.getMetadata().getUid()).withResourceVersion(j.getMetadata().getResourceVersion()).build()).toList();
        CronJobStatus status = new CronJobStatusBuilder().withActive(refs.isEmpty() ? null : refs)
                .withLastScheduleTime(lastSchedule).withLastSuccessfulTime(lastSuccess).build();
        if (!sameStatus(status, previous)) {
            client.batch().v1().cronjobs().inNamespace(cj.getMetadata().getNamespace())
                    .resource(new CronJobBuilder(cj).withStatus(status).build()).updateStatus();
        }
    }

    private static boolean sameStatus(CronJobStatus a, CronJobStatus b) {
        List<String> an = a.getActive() == null ? List.of() : a.getActive().stream().map(ObjectReference::getName).toList();
        List<String> bn = b.getActive() == null ? List.of() : b.getActive().stream().map(ObjectReference::getName).toList();
        return an.equals(bn) && java.util.Objects.equals(a.getLastScheduleTime(), b.getLastScheduleTime())
                && java.util.Objects.equals(a.getLastSuccessfulTime(), b.getLastSuccessfulTime());
    }

    private static String finished(Job j) {
        if (j.getStatus() == null || j.getStatus().getConditions() == null) {
            return null;
        }
        return j.getStatus().getConditions().stream()
                .filter(c -> ("Complete".equals(c.getType()) || "Failed".equals(c.getType())) && "True".equals(c.getStatus()))
                .map(JobCondition::getType).findFirst().orElse(null);
    }

    private static String format(Instant i) {
        return DateTimeFormatter.ISO_INSTANT.format(i.truncatedTo(ChronoUnit.SECONDS));
    }
}
