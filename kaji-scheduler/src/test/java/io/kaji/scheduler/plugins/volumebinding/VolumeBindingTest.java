package io.kaji.scheduler.plugins.volumebinding;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NodeSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.kaji.scheduler.Fixtures;
import io.kaji.scheduler.framework.CycleState;
import io.kaji.scheduler.framework.NodeInfo;
import io.kaji.scheduler.framework.Snapshot;
import io.kaji.scheduler.framework.Status;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class VolumeBindingTest {

    private static final Map<String, PersistentVolumeClaim> CLAIMS = new HashMap<>();
    private static final Map<String, PersistentVolume> VOLUMES = new HashMap<>();

    static {
        claim("bound-a", "pv-a", false);
        claim("pending", null, false);
        claim("leaving", "pv-a", true);
        claim("dangling", "pv-gone", false);
        claim("web-0-cache", "pv-any", false);
        volume("pv-a", "zone-a");
        volume("pv-any", null);
    }

    private static void claim(String name, String volume, boolean deleting) {
        var b = new PersistentVolumeClaimBuilder().withNewMetadata().withName(name).withNamespace("default")
                .endMetadata().withNewSpec().withVolumeName(volume).endSpec();
        if (deleting) {
            b.editMetadata().withDeletionTimestamp("2026-01-01T00:00:00Z").endMetadata();
        }
        CLAIMS.put(name, b.build());
    }

    private static void volume(String name, String zone) {
        var b = new PersistentVolumeBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec().endSpec();
        if (zone != null) {
            b.editSpec().withNewNodeAffinity().withNewRequired().addNewNodeSelectorTerm()
                    .withMatchExpressions(new NodeSelectorRequirementBuilder().withKey("topology.kubernetes.io/zone")
                            .withOperator("In").withValues(zone).build())
                    .endNodeSelectorTerm().endRequired().endNodeAffinity().endSpec();
        }
        VOLUMES.put(name, b.build());
    }

    private static final VolumeObjects OBJECTS = new VolumeObjects() {
        @Override
        public PersistentVolumeClaim claim(String namespace, String name) {
            return "default".equals(namespace) ? CLAIMS.get(name) : null;
        }

        @Override
        public PersistentVolume volume(String name) {
            return VOLUMES.get(name);
        }
    };

    private static Pod withClaim(String claim) {
        return new PodBuilder(Fixtures.pod("web-0")).editSpec().addNewVolume().withName("data")
                .withNewPersistentVolumeClaim().withClaimName(claim).endPersistentVolumeClaim().endVolume()
                .endSpec().build();
    }

    private static Pod withEphemeral(String volume) {
        return new PodBuilder(Fixtures.pod("web-0")).editSpec().addNewVolume().withName(volume).withNewEphemeral()
                .endEphemeral().endVolume().endSpec().build();
    }

    static Stream<Arguments> preFilterCases() {
        return Stream.of(
                Arguments.of("bound claim", withClaim("bound-a"), Status.Code.SUCCESS, List.of()),
                Arguments.of("missing claim", withClaim("nope"), Status.Code.UNSCHEDULABLE_AND_UNRESOLVABLE,
                        List.of("persistentvolumeclaim \"nope\" not found")),
                Arguments.of("unbound claim", withClaim("pending"), Status.Code.UNSCHEDULABLE_AND_UNRESOLVABLE,
                        List.of(VolumeBinding.UNBOUND)),
                Arguments.of("claim being deleted", withClaim("leaving"), Status.Code.UNSCHEDULABLE_AND_UNRESOLVABLE,
                        List.of("persistentvolumeclaim \"leaving\" is being deleted")),
                Arguments.of("bound to a missing volume", withClaim("dangling"),
                        Status.Code.UNSCHEDULABLE_AND_UNRESOLVABLE, List.of(VolumeBinding.VOLUME_MISSING)),
                Arguments.of("ephemeral claim exists", withEphemeral("cache"), Status.Code.SUCCESS, List.of()),
                Arguments.of("ephemeral claim not created yet", withEphemeral("scratch"),
                        Status.Code.UNSCHEDULABLE_AND_UNRESOLVABLE, List.of("waiting for ephemeral volume controller "
                                + "to create the persistentvolumeclaim \"web-0-scratch\"")),
                Arguments.of("no claims", Fixtures.pod("plain"), Status.Code.SKIP, List.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("preFilterCases")
    void preFilterChecksClaims(String name, Pod pod, Status.Code code, List<String> reasons) {
        Status s = new VolumeBinding(OBJECTS).preFilter(new CycleState(Snapshot.of()), pod);
        assertThat(s.code()).isEqualTo(code);
        assertThat(s.reasons()).isEqualTo(reasons);
    }

    @Test
    void filterMatchesTheVolumesNodeAffinity() {
        NodeInfo inZone = new NodeInfo(Fixtures.node("a", "4", "8Gi").editMetadata()
                .addToLabels("topology.kubernetes.io/zone", "zone-a").endMetadata().build());
        NodeInfo elsewhere = new NodeInfo(Fixtures.node("b", "4", "8Gi").editMetadata()
                .addToLabels("topology.kubernetes.io/zone", "zone-b").endMetadata().build());
        VolumeBinding plugin = new VolumeBinding(OBJECTS);
        CycleState state = new CycleState(Snapshot.of(inZone, elsewhere));
        Pod pod = withClaim("bound-a");
        assertThat(plugin.preFilter(state, pod).isSuccess()).isTrue();
        assertThat(plugin.filter(state, pod, inZone).isSuccess()).isTrue();
        Status conflict = plugin.filter(state, pod, elsewhere);
        assertThat(conflict.code()).isEqualTo(Status.Code.UNSCHEDULABLE_AND_UNRESOLVABLE);
        assertThat(conflict.reasons()).containsExactly(VolumeBinding.NODE_CONFLICT);

        CycleState any = new CycleState(Snapshot.of(elsewhere));
        Pod anywhere = withEphemeral("cache");
        assertThat(plugin.preFilter(any, anywhere).isSuccess()).isTrue();
        assertThat(plugin.filter(any, anywhere, elsewhere).isSuccess()).isTrue();
    }
}
