package io.kaji.apiserver.audit;

import java.nio.file.Path;

/**
 * Where and how the audit log is written (kube-apiserver's {@code --audit-*} flags).
 *
 * @param enabled       false writes no audit log
 * @param logPath       the log file; null for {@code <data-dir>/logs/audit.log}; {@code -} for standard output
 * @param policyFile    the audit Policy; null for {@code <data-dir>/audit-policy.yaml}, generated if missing
 * @param maxSizeMb     rotate when the file would grow beyond this many megabytes (0: never)
 * @param maxBackups    rotated files kept (0: all)
 * @param maxAgeDays    rotated files deleted after this many days (0: never by age)
 */
public record AuditOptions(boolean enabled, String logPath, Path policyFile, int maxSizeMb, int maxBackups,
        int maxAgeDays) {

    public static final int DEFAULT_MAX_SIZE_MB = 100;
    public static final int DEFAULT_MAX_BACKUPS = 10;

    public AuditOptions {
        if (maxSizeMb < 0 || maxBackups < 0 || maxAgeDays < 0) {
            throw new IllegalArgumentException("audit log size, backups and age must not be negative");
        }
    }

    /** Kaji's defaults: on, {@code <data-dir>/logs/audit.log}, the generated policy, 100 MB x 10 files. */
    public static AuditOptions defaults() {
        return new AuditOptions(true, null, null, DEFAULT_MAX_SIZE_MB, DEFAULT_MAX_BACKUPS, 0);
    }

    public static AuditOptions disabled() {
        return new AuditOptions(false, null, null, DEFAULT_MAX_SIZE_MB, DEFAULT_MAX_BACKUPS, 0);
    }

    /** The log file for {@code dataDir}, or null for standard output. */
    public Path logFile(Path dataDir) {
        if ("-".equals(logPath)) {
            return null;
        }
        return logPath != null ? Path.of(logPath) : dataDir.resolve("logs").resolve("audit.log");
    }

    public Path policy(Path dataDir) {
        return policyFile != null ? policyFile : dataDir.resolve(AuditPolicy.FILE_NAME);
    }
}
