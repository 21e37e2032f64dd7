package io.kaji.node.containerd;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs every tear-down step of a test fixture even when earlier ones fail, keeps the first failure and adds the
 * later ones to it as {@linkplain Throwable#addSuppressed suppressed}, so that {@link #throwIfFailed()} at the end
 * reports all of them while nothing is left running because one close threw.
 */
final class Teardown {

    private Throwable failure;

    /** Runs {@code step} (null: nothing to do) and records what it throws. */
    Teardown run(AgentFixture.Step step) {
        if (step == null) {
            return this;
        }
        try {
            step.run();
        } catch (Exception | Error e) {
            if (failure == null) {
                failure = e;
            } else if (e != failure) {
                failure.addSuppressed(e);
            }
        }
        return this;
    }

    /** Closes containerd, then asserts that it left no shim and no mount under its data dir. */
    Teardown closeNode(ContainerdFixture node) {
        ContainerdResidue residue = new ContainerdResidue(node.config);
        run(node::close);
        run(() -> assertThat(residue.shimPids()).as("shims left").isEmpty());
        return run(() -> assertThat(residue.mounts()).as("mounts left").isEmpty());
    }

    /** The first failure, or null. */
    Throwable failure() {
        return failure;
    }

    /** Throws the first failure, with the later ones suppressed, if any step failed. */
    void throwIfFailed() throws Exception {
        if (failure instanceof Exception e) {
            throw e;
        }
        if (failure instanceof Error e) {
            throw e;
        }
    }
}
