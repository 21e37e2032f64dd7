package io.kaji.node.containerd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TeardownTest {

    @Test
    void runsEveryStepAndThrowsTheFirstFailureWithTheLaterOnesSuppressed() {
        List<String> ran = new ArrayList<>();
        Teardown t = new Teardown()
                .run(() -> ran.add("agent"))
                .run(() -> {
                    ran.add("client");
                    throw new IOException("client would not close");
                })
                .run(null)
                .run(() -> {
                    ran.add("residue");
                    assertThat(List.of(4242L)).as("shims left").isEmpty();
                })
                .run(() -> ran.add("temp dir"));

        assertThat(ran).containsExactly("agent", "client", "residue", "temp dir");
        assertThatThrownBy(t::throwIfFailed).isInstanceOf(IOException.class).hasMessage("client would not close")
                .satisfies(e -> assertThat(e.getSuppressed()).singleElement()
                        .satisfies(s -> assertThat(s).isInstanceOf(AssertionError.class).hasMessageContaining(
                                "shims left")));
    }

    @Test
    void anErrorFirstIsThrownAsItIs() {
        Teardown t = new Teardown().run(() -> {
            throw new AssertionError("mounts left");
        }).run(() -> {
            throw new IllegalStateException("store");
        });
        assertThatThrownBy(t::throwIfFailed).isInstanceOf(AssertionError.class).hasMessage("mounts left")
                .satisfies(e -> assertThat(e.getSuppressed()).hasSize(1));
    }

    @Test
    void nothingFailedNothingThrown() throws Exception {
        Teardown t = new Teardown().run(() -> { }).run(null);
        assertThat(t.failure()).isNull();
        t.throwIfFailed();
    }
}
