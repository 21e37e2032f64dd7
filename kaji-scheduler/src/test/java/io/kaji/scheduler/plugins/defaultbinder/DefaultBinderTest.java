package io.kaji.scheduler.plugins.defaultbinder;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.scheduler.Fixtures;
import io.kaji.scheduler.framework.CycleState;
import io.kaji.scheduler.framework.Snapshot;
import io.kaji.scheduler.framework.Status;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DefaultBinderTest {

    @Test
    void bindsThroughTheBinderAndPassesItsVerdictOn() {
        List<String> calls = new ArrayList<>();
        DefaultBinder ok = new DefaultBinder((pod, node) -> {
            calls.add(pod.getMetadata().getName() + "->" + node);
            return Status.success();
        });
        assertThat(ok.bind(new CycleState(Snapshot.of()), Fixtures.pod("p"), "n1").isSuccess()).isTrue();
        assertThat(calls).containsExactly("p->n1");
        DefaultBinder refused = new DefaultBinder((pod, node) -> Status.error("HTTP 409 already assigned"));
        assertThat(refused.bind(new CycleState(Snapshot.of()), Fixtures.pod("p"), "n1").code())
                .isEqualTo(Status.Code.ERROR);
    }
}
