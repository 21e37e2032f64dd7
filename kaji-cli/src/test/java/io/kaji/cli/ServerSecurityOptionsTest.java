package io.kaji.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Bad admission, encryption and audit options of 'kaji server' are usage errors before anything starts. */
class ServerSecurityOptionsTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', value = {
            "--pod-security-default|enforce=strict|--pod-security-default: pod security defaults \"enforce=strict\": "
                    + "enforce: Invalid value: \"strict\": must be one of privileged, baseline, restricted",
            "--pod-security-default|enforced=baseline|expected enforce|audit|warn[-version]=VALUE",
            "--disable-admission-plugins|PodSecurity,AlwaysPullImages|--disable-admission-plugins: unknown plugin "
                    + "\"AlwaysPullImages\"; known: NamespaceLifecycle, ServiceAccount, NodeRestriction, "
                    + "DefaultTolerationSeconds, "
                    + "Priority, LimitRanger, PodSecurity, MutatingAdmissionWebhook, ValidatingAdmissionWebhook, "
                    + "ResourceQuota",
            "--audit-log-maxsize|-1|--audit-log-*: audit log size, backups and age must not be negative"})
    void badOptionsAreUsageErrors(String option, String value, String message) {
        KajiCommandTest.Run r = KajiCommandTest.run("server", "--data-dir", dir.toString(), "--https-port", "0",
                option, value);
        assertThat(r.exitCode()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains(message);
        assertThat(dir.resolve("db")).doesNotExist();
    }

    @Test
    void aMissingAdmissionConfigFileIsNamed() {
        Path missing = dir.resolve("nope.yaml");
        KajiCommandTest.Run r = KajiCommandTest.run("server", "--data-dir", dir.toString(), "--https-port", "0",
                "--admission-control-config-file", missing.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("read " + missing);
    }
}
