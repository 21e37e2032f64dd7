package io.kaji.scheduler.plugins.nodename;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.kaji.scheduler.Fixtures;
import io.kaji.scheduler.framework.CycleState;
import io.kaji.scheduler.framework.NodeInfo;
import io.kaji.scheduler.framework.Snapshot;
import io.kaji.scheduler.framework.Status;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NodeNameTest {

    @ParameterizedTest(name = "pod wants \"{0}\", node {1} -> {2}")
    @CsvSource({"'', n1, SUCCESS", "n1, n1, SUCCESS", "n2, n1, UNSCHEDULABLE_AND_UNRESOLVABLE"})
    void onlyTheNamedNodeFits(String wanted, String node, Status.Code expected) {
        var pod = new PodBuilder(Fixtures.pod("p")).editSpec().withNodeName(wanted).endSpec().build();
        Status s = new NodeName().filter(new CycleState(Snapshot.of()), pod, new NodeInfo(Fixtures.node(node)));
        assertThat(s.code()).isEqualTo(expected);
        if (!s.isSuccess()) {
            assertThat(s.reasons()).containsExactly("node(s) didn't match the requested node name");
        }
    }
}
