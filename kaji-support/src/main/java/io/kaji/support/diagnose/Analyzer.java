package io.kaji.support.diagnose;

import java.util.List;

/**
 * One family of problems (pods, services, nodes, ...). An analyzer only reads the snapshot and, through the
 * context, container logs; it never writes to the cluster. It is called once per run.
 */
public interface Analyzer {

    /** The analyzer's name as {@code kaji diagnose --analyzer} takes it, e.g. {@code Pod}. */
    String name();

    /** The problems this analyzer sees in {@code cluster}. */
    List<Diagnosis> analyze(ClusterSnapshot cluster, DiagnoseContext context);
}
