package io.kaji.support.diagnose;

import java.time.Instant;

/**
 * What analyzers may use besides the snapshot: the time of the run (ages are measured from it) and the container
 * logs.
 *
 * @param now  the time of the run
 * @param logs how to read container logs
 */
public record DiagnoseContext(Instant now, LogReader logs) {
}
