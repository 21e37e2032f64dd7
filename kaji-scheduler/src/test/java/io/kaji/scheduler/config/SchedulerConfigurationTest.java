package io.kaji.scheduler.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaji.scheduler.binder.PodBinder;
import io.kaji.scheduler.framework.Profile;
import io.kaji.scheduler.framework.ProfileConfig;
import io.kaji.scheduler.framework.Status;
import io.kaji.scheduler.plugins.InTreePlugins;
import io.kaji.scheduler.plugins.defaultpreemption.Evictor;
import io.kaji.scheduler.plugins.podtopologyspread.OwnerSelectors;
import java.util.List;
import org.junit.jupiter.api.Test;

class SchedulerConfigurationTest {

    /** The profile built against the in-tree plugins, as the scheduler builds it. */
    private static Profile build(ProfileConfig p) {
        PodBinder binder = (pod, node) -> Status.success();
        return new Profile(p, InTreePlugins.registry(new InTreePlugins.Dependencies(binder, Evictor.NONE,
                OwnerSelectors.NONE)));
    }

    @Test
    void profilesWithPluginsWeightsArgsAndPercentages() {
        List<ProfileConfig> profiles = SchedulerConfiguration.parse("""
                apiVersion: kubescheduler.config.k8s.io/v1
                kind: KubeSchedulerConfiguration
                percentageOfNodesToScore: 30
                profiles:
                - schedulerName: default-scheduler
                  plugins:
                    multiPoint:
                      disabled:
                      - name: InterPodAffinity
                    score:
                      enabled:
                      - name: PodTopologySpread
                        weight: 5
                - schedulerName: bin-packing
                  percentageOfNodesToScore: 100
                  plugins:
                    multiPoint:
                      disabled:
                      - name: '*'
                      enabled:
                      - name: NodeResourcesFit
                        weight: 1
                      - name: DefaultBinder
                  pluginConfig:
                  - name: NodeResourcesFit
                    args:
                      scoringStrategy:
                        type: MostAllocated
                """);
        assertThat(profiles).extracting(ProfileConfig::schedulerName).containsExactly("default-scheduler", "bin-packing");
        ProfileConfig first = profiles.get(0);
        assertThat(first.percentageOfNodesToScore()).isEqualTo(30);
        assertThat(first.plugins()).extracting(ProfileConfig.Enabled::name).doesNotContain("InterPodAffinity");
        assertThat(first.point("score").enabled()).containsExactly(new ProfileConfig.Enabled("PodTopologySpread", 5));
        ProfileConfig second = profiles.get(1);
        assertThat(second.percentageOfNodesToScore()).isEqualTo(100);
        assertThat(second.plugins()).extracting(ProfileConfig.Enabled::name).containsExactly("NodeResourcesFit", "DefaultBinder");
        assertThat(second.pluginArgs().get("NodeResourcesFit").nested("scoringStrategy").string("type", null))
                .isEqualTo("MostAllocated");
        // Every profile builds against the in-tree registry.
        profiles.forEach(SchedulerConfigurationTest::build);
    }

    @Test
    void aPluginDisabledAtOneExtensionPointKeepsTheOthers() {
        ProfileConfig p = SchedulerConfiguration.parse("""
                profiles:
                - plugins:
                    score:
                      disabled:
                      - name: TaintToleration
                      - name: NodeResourcesFit
                    filter:
                      disabled: [{name: NodePorts}]
                """).get(0);
        assertThat(p.point("score").disabled()).containsExactlyInAnyOrder("TaintToleration", "NodeResourcesFit");
        assertThat(p.point("filter").disabled()).containsExactly("NodePorts");
        // Still multiPoint plugins: they go on filtering (a tainted or full node stays out) and only stop scoring.
        assertThat(p.plugins()).extracting(ProfileConfig.Enabled::name)
                .contains("TaintToleration", "NodeResourcesFit", "NodePorts");
        build(p);
    }

    @Test
    void pluginsAndTheirArgsAreCheckedWhenTheFileIsRead() {
        String config = """
                profiles:
                - pluginConfig:
                  - name: PodTopologySpread
                    args:
                      defaultingType: List
                      defaultConstraints:
                      - maxSkew: 1
                        topologyKey: topology.kubernetes.io/zone
                        whenUnsatisfiable: %s
                """;
        build(SchedulerConfiguration.parse(config.formatted("ScheduleAnyway")).get(0));
        // Refused when the file is read, naming the profile, not when the scheduler starts leading.
        assertThatThrownBy(() -> SchedulerConfiguration.parse(config.formatted("Never")))
                .hasMessage("scheduler configuration: profiles[0] (schedulerName default-scheduler): PodTopologySpread "
                        + "args.defaultConstraints[0].whenUnsatisfiable: must be DoNotSchedule or ScheduleAnyway, got "
                        + "Never");
        assertThatThrownBy(() -> SchedulerConfiguration.parse("""
                profiles:
                - plugins:
                    multiPoint:
                      enabled: [{name: NodeResourcesFitt}]
                """)).hasMessageContaining("profiles[0] (schedulerName default-scheduler): unknown scheduler plugin "
                + "\"NodeResourcesFitt\"");
    }

    @Test
    void noProfilesMeansTheDefaultProfile() {
        List<ProfileConfig> profiles = SchedulerConfiguration.parse("kind: KubeSchedulerConfiguration\n");
        assertThat(profiles).containsExactly(InTreePlugins.defaultProfile());
    }

    @Test
    void unsupportedOrInvalidFieldsAreNamed() {
        assertThatThrownBy(() -> SchedulerConfiguration.parse("""
                profiles:
                - plugins:
                    queueSort:
                      enabled: [{name: PrioritySort}]
                """)).hasMessageContaining("profiles[0].plugins.queueSort is not an extension point Kaji runs; use "
                + "multiPoint or one of preFilter, filter, postFilter, preScore, score, reserve, permit, preBind, bind");
        assertThatThrownBy(() -> SchedulerConfiguration.parse("percentageOfNodesToScore: lots\n"))
                .hasMessageContaining("percentageOfNodesToScore must be a number");
        assertThatThrownBy(() -> SchedulerConfiguration.parse("percentageOfNodesToScore: 120\n"))
                .hasMessageContaining("within 0 and 100");
    }
}
