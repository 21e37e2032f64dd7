package io.kaji.scheduler.plugins.noderesources;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.scheduler.Fixtures;
import io.kaji.scheduler.framework.CycleState;
import io.kaji.scheduler.framework.NodeInfo;
import io.kaji.scheduler.framework.Snapshot;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NodeResourcesBalancedAllocationTest {

    @ParameterizedTest(name = "pod {0} cpu / {1} memory on 4 cores, 8Gi -> {2}")
    @CsvSource({
            "2, 4Gi, 100",  // 50% and 50%
            "4, 0.5Gi, 53", // 100% and 6.25%: 1 - 0.47 = 0.53
            "1, 8Gi, 62"})  // 25% and 100%: 1 - 0.375
    void equalFractionsScoreBest(String cpu, String memory, long expected) {
        NodeInfo node = new NodeInfo(Fixtures.node("n1", "4", "8Gi").build());
        var pod = Fixtures.pod("p", cpu, memory).build();
        assertThat(new NodeResourcesBalancedAllocation().score(new CycleState(Snapshot.of(node)), pod, node))
                .isEqualTo(expected);
    }
}
