package io.kaji.support.assess;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * CIS sections 1 to 4: coverage of every benchmark id, MANUAL questions without a Kaji data dir, and Kaji's own
 * configuration decided from a data dir built in a temporary directory.
 */
class ControlPlaneChecksTest {

    /** The 131 ids kube-bench's cfg/cis-1.12 lists (master, etcd, controlplane, node, policies). */
    static final List<String> CIS_1_12_IDS = List.of(
            "1.1.1", "1.1.2", "1.1.3", "1.1.4", "1.1.5", "1.1.6", "1.1.7", "1.1.8", "1.1.9", "1.1.10", "1.1.11",
            "1.1.12", "1.1.13", "1.1.14", "1.1.15", "1.1.16", "1.1.17", "1.1.18", "1.1.19", "1.1.20", "1.1.21",
            "1.2.1", "1.2.2", "1.2.3", "1.2.4", "1.2.5", "1.2.6", "1.2.7", "1.2.8", "1.2.9", "1.2.10", "1.2.11",
            "1.2.12", "1.2.13", "1.2.14", "1.2.15", "1.2.16", "1.2.17", "1.2.18", "1.2.19", "1.2.20", "1.2.21",
            "1.2.22", "1.2.23", "1.2.24", "1.2.25", "1.2.26", "1.2.27", "1.2.28", "1.2.29", "1.2.30",
            "1.3.1", "1.3.2", "1.3.3", "1.3.4", "1.3.5", "1.3.6", "1.3.7", "1.4.1", "1.4.2",
            "2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "2.7", "3.1.1", "3.1.2", "3.1.3", "3.2.1", "3.2.2",
            "4.1.1", "4.1.2", "4.1.3", "4.1.4", "4.1.5", "4.1.6", "4.1.7", "4.1.8", "4.1.9", "4.1.10",
            "4.2.1", "4.2.2", "4.2.3", "4.2.4", "4.2.5", "4.2.6", "4.2.7", "4.2.8", "4.2.9", "4.2.10", "4.2.11",
            "4.2.12", "4.2.13", "4.2.14", "4.3.1",
            "5.1.1", "5.1.2", "5.1.3", "5.1.4", "5.1.5", "5.1.6", "5.1.7", "5.1.8", "5.1.9", "5.1.10", "5.1.11",
            "5.1.12", "5.1.13", "5.2.1", "5.2.2", "5.2.3", "5.2.4", "5.2.5", "5.2.6", "5.2.7", "5.2.8", "5.2.9",
            "5.2.10", "5.2.11", "5.2.12", "5.3.1", "5.3.2", "5.4.1", "5.4.2", "5.5.1", "5.6.1", "5.6.2", "5.6.3",
            "5.6.4");

    @TempDir
    Path tmp;
    Path data;

    @BeforeEach
    void kajiDataDir() throws IOException {
        data = tmp.resolve("kaji");
        write(data.resolve("pki/ca.crt"), "rw-r--r--", "cert");
        write(data.resolve("pki/ca.key"), "rw-------", "key");
        write(data.resolve("pki/apiserver.crt"), "rw-r--r--", "cert");
        write(data.resolve("pki/apiserver.key"), "rw-------", "key");
        write(data.resolve("pki/admin.token"), "rw-------", "token");
        write(data.resolve("kubeconfig"), "rw-------", "apiVersion: v1");
        write(data.resolve("node-token"), "rw-------", "K10");
        Files.createDirectories(data.resolve("db"));
        Files.setPosixFilePermissions(data.resolve("db"), PosixFilePermissions.fromString("rwx------"));
        Files.setPosixFilePermissions(data.resolve("pki"), PosixFilePermissions.fromString("rwx------"));
    }

    private static void write(Path p, String mode, String content) throws IOException {
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
    }

    private CheckResult run(String id, Map<String, String> flags) {
        HostConfig host = new HostConfig(data, flags, flags.isEmpty() ? null : "test", null, List.of());
        return Fixtures.run(id, new AssessmentContext(ClusterSnapshot.of(List.of()), "v1.32.0+kaji.test",
                KubeVersion.parse("1.32"), host));
    }

    @Test
    void everyBenchmarkIdIsACheck() {
        Set<String> ids = CheckRegistry.builtin().checks().stream().map(Check::id).collect(Collectors.toSet());
        assertThat(ids).containsAll(CIS_1_12_IDS);
        List<String> cis = CheckRegistry.builtin().checks().stream().map(Check::id)
                .filter(id -> Character.isDigit(id.charAt(0))).toList();
        assertThat(cis).containsExactlyInAnyOrderElementsOf(CIS_1_12_IDS);
    }

    @Test
    void withoutAKajiDataDirNodeSectionsAreQuestions() {
        AssessmentContext ctx = new AssessmentContext(ClusterSnapshot.of(List.of()), "v1.31.2", KubeVersion.parse("1.31"),
                HostConfig.absent());
        Report report = new Assessor(ControlPlaneChecks.all(), Exemptions.none(), Fixtures.CLOCK).run(ctx, null);
        assertThat(report.checks()).hasSize(97).allSatisfy(r -> {
            assertThat(r.status()).as(r.check().id()).isEqualTo(Status.MANUAL);
            assertThat(r.findings()).singleElement().satisfies(f -> assertThat(f.message()).contains("?"));
        });
    }

    interface Setup {
        void apply(Path data) throws IOException;
    }

    static Stream<Arguments> cases() {
        Setup none = d -> { };
        return Stream.of(
                Arguments.of("1.1.21", none, Map.of(), Status.PASS, "ca.key mode=0600"),
                Arguments.of("1.1.21", (Setup) d -> Files.setPosixFilePermissions(d.resolve("pki/ca.key"),
                        PosixFilePermissions.fromString("rw-r--r--")), Map.of(), Status.FAIL, "ca.key mode=0644"),
                Arguments.of("1.1.21", (Setup) d -> Files.setPosixFilePermissions(d.resolve("node-token"),
                        PosixFilePermissions.fromString("rw-rw-r--")), Map.of(), Status.FAIL, "node-token mode=0664"),
                Arguments.of("1.1.20", none, Map.of(), Status.PASS, "ca.crt mode=0644"),
                Arguments.of("1.1.20", (Setup) d -> Files.setPosixFilePermissions(d.resolve("pki/apiserver.crt"),
                        PosixFilePermissions.fromString("rw-rw-rw-")), Map.of(), Status.FAIL, "apiserver.crt mode=0666"),
                Arguments.of("1.1.13", none, Map.of(), Status.PASS, "kubeconfig mode=0600"),
                Arguments.of("1.1.13", (Setup) d -> Files.setPosixFilePermissions(d.resolve("kubeconfig"),
                        PosixFilePermissions.fromString("rw-r--r--")), Map.of(), Status.FAIL, "kubeconfig mode=0644"),
                Arguments.of("1.1.19", none, Map.of(), Status.PASS, "owner=root:root"),
                Arguments.of("1.1.19", (Setup) d -> chownNobody(d.resolve("pki/ca.key")), Map.of(), Status.FAIL,
                        "ca.key owner=nobody:"),
                Arguments.of("1.1.11", none, Map.of(), Status.PASS, "db mode=0700"),
                Arguments.of("1.1.11", (Setup) d -> Files.setPosixFilePermissions(d.resolve("db"),
                        PosixFilePermissions.fromString("rwxr-xr-x")), Map.of(), Status.FAIL, "db mode=0755"),
                Arguments.of("1.2.1", none, Map.of(), Status.PASS, "false (default)"),
                Arguments.of("1.2.1", none, Map.of("anonymous-auth", "true"), Status.FAIL, "--anonymous-auth=true"),
                Arguments.of("1.2.2", none, Map.of("token-auth-file", "/etc/tokens.csv"), Status.FAIL,
                        "--token-auth-file=/etc/tokens.csv"),
                Arguments.of("1.2.2", (Setup) d -> Files.delete(d.resolve("pki/admin.token")), Map.of(), Status.PASS,
                        "--token-auth-file=<unset>"),
                Arguments.of("1.2.5", none, Map.of(), Status.FAIL, "trusts any agent certificate"),
                Arguments.of("1.2.16", none, Map.of(), Status.PASS, "logs/audit.log (default)"),
                Arguments.of("1.2.16", none, Map.of("audit-log-path", ""), Status.FAIL, "--audit-log-path="),
                Arguments.of("1.2.17", none, Map.of("audit-log-maxage", "30"), Status.PASS, "--audit-log-maxage=30"),
                Arguments.of("1.2.17", none, Map.of("audit-log-maxage", "7"), Status.FAIL, "--audit-log-maxage=7"),
                Arguments.of("1.2.17", none, Map.of(), Status.WARN, "--audit-log-maxage=<unset>"),
                Arguments.of("1.2.18", none, Map.of("audit-log-maxbackup", "10"), Status.PASS, "=10"),
                Arguments.of("1.2.19", none, Map.of("audit-log-maxsize", "50"), Status.FAIL, "=50"),
                Arguments.of("1.2.23", none, Map.of(), Status.PASS, "--store=sqlite"),
                Arguments.of("1.2.23", none, Map.of("store", "etcd", "etcd-endpoints", "http://10.0.0.1:2379"),
                        Status.FAIL, "http://10.0.0.1:2379"),
                Arguments.of("1.2.24", none, Map.of(), Status.PASS, "apiserver.key mode=0600"),
                Arguments.of("1.2.27", none, Map.of(), Status.FAIL, "encryption-config.yaml missing"),
                Arguments.of("1.2.27", (Setup) d -> write(d.resolve("encryption-config.yaml"), "rw-------", AESCBC),
                        Map.of(), Status.PASS, "encryption-config.yaml mode=0600"),
                Arguments.of("1.2.28", (Setup) d -> write(d.resolve("encryption-config.yaml"), "rw-------", AESCBC),
                        Map.of(), Status.PASS, "providers[0]=aescbc"),
                Arguments.of("1.2.28", (Setup) d -> write(d.resolve("enc.yaml"), "rw-------",
                                AESCBC.replace("- aescbc: {keys: [{name: k1, secret: c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI=}]}\n", "")),
                        Map.of("encryption-provider-config", "ENC"), Status.FAIL, "providers[0]=identity"),
                Arguments.of("2.1", none, Map.of(), Status.PASS, "--store=sqlite"),
                Arguments.of("2.2", none, Map.of("store", "etcd", "etcd-endpoints", "https://e:2379"), Status.MANUAL, null),
                Arguments.of("3.2.1", none, Map.of(), Status.FAIL, "audit-policy.yaml missing"),
                Arguments.of("3.2.1", (Setup) d -> write(d.resolve("audit-policy.yaml"), "rw-------", GOOD_POLICY),
                        Map.of(), Status.PASS, "rules"),
                Arguments.of("3.2.2", (Setup) d -> write(d.resolve("audit-policy.yaml"), "rw-------", GOOD_POLICY),
                        Map.of(), Status.PASS, "audit-policy.yaml"),
                Arguments.of("3.2.2", (Setup) d -> write(d.resolve("audit-policy.yaml"), "rw-------",
                        "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: RequestResponse\n"),
                        Map.of(), Status.FAIL, "audit-policy.yaml"),
                Arguments.of("3.2.2", (Setup) d -> write(d.resolve("audit-policy.yaml"), "rw-------", "rules: [oops"),
                        Map.of(), Status.ERROR, null),
                Arguments.of("1.1.1", none, Map.of(), Status.PASS, "absent"),
                Arguments.of("4.2.7", none, Map.of("node-name", "n1"), Status.FAIL, "--node-name=n1"),
                Arguments.of("4.2.7", none, Map.of(), Status.PASS, "--node-name=<unset>"),
                Arguments.of("4.2.14", none, Map.of(), Status.FAIL, "seccomp default: none"),
                Arguments.of("1.2.20", none, Map.of(), Status.MANUAL, null));
    }

    static final String AESCBC = """
            apiVersion: apiserver.config.k8s.io/v1
            kind: EncryptionConfiguration
            resources:
            - resources: [secrets]
              providers:
              - aescbc: {keys: [{name: k1, secret: c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI=}]}
              - identity: {}
            """;

    static final String GOOD_POLICY = """
            apiVersion: audit.k8s.io/v1
            kind: Policy
            rules:
            - level: Metadata
              resources:
              - group: ""
                resources: [secrets, configmaps, serviceaccounts/token]
            - level: RequestResponse
              resources:
              - group: rbac.authorization.k8s.io
            - level: Request
              users: [system:kube-proxy]
            - level: Metadata
            """;

    private static void chownNobody(Path p) throws IOException {
        UserPrincipalLookupService lookup = p.getFileSystem().getUserPrincipalLookupService();
        PosixFileAttributeView view = Files.getFileAttributeView(p, PosixFileAttributeView.class);
        view.setOwner(lookup.lookupPrincipalByName("nobody"));
        GroupPrincipal group = lookup.lookupPrincipalByGroupName("nogroup");
        view.setGroup(group);
    }

    @ParameterizedTest(name = "{0} {3} #{index}")
    @MethodSource("cases")
    void decidesFromKajisConfiguration(String id, Setup setup, Map<String, String> flags, Status expected,
                                       String evidence) throws IOException {
        setup.apply(data);
        Map<String, String> resolved = new java.util.HashMap<>(flags);
        resolved.replaceAll((k, v) -> v.equals("ENC") ? data.resolve("enc.yaml").toString() : v);
        CheckResult r = run(id, resolved);
        assertThat(r.status()).as("%s", r.findings()).isEqualTo(expected);
        if (evidence != null) {
            assertThat(r.findings()).filteredOn(x -> x.status() == expected).extracting(Finding::evidence)
                    .anySatisfy(e -> assertThat(e).contains(evidence));
        }
    }

    @Test
    void detectReadsTheRunningServersCommandLineAndConfigFile() throws IOException {
        Path proc = tmp.resolve("proc");
        String cmdline = String.join("\0", "java", "-cp", "lib/*", "io.kaji.cli.KajiCommand", "server", "--data-dir",
                data.toString(), "--audit-log-maxage=45", "--disable-agent", "--store", "sqlite") + "\0";
        write(proc.resolve("4242/cmdline"), "rw-r--r--", cmdline);
        write(proc.resolve("17/cmdline"), "rw-r--r--", "bash\0");
        Path config = tmp.resolve("etc/config.yaml");
        write(config, "rw-------", "audit-log-maxage: 10\naudit-log-maxbackup: 12\netcd-endpoints: [http://a, http://b]\n");
        Path systemd = tmp.resolve("systemd");
        write(systemd.resolve("kaji.service"), "rw-r--r--", "[Service]\n");

        HostConfig host = HostConfig.detect(data, proc, config, systemd);

        assertThat(host.present()).isTrue();
        assertThat(host.flags()).containsEntry("audit-log-maxage", "45").containsEntry("audit-log-maxbackup", "12")
                .containsEntry("disable-agent", "true").containsEntry("store", "sqlite")
                .containsEntry("etcd-endpoints", "http://a,http://b");
        assertThat(host.flagSource()).contains(config.toString()).contains("command line");
        assertThat(host.unitFiles()).containsExactly(systemd.resolve("kaji.service"));
        assertThat(HostConfig.detect(tmp.resolve("elsewhere"), proc, config, systemd).present()).isFalse();
    }

    @Test
    void aServerForAnotherDataDirIsNotRead() throws IOException {
        Path proc = tmp.resolve("proc");
        write(proc.resolve("9/cmdline"), "rw-r--r--", String.join("\0", "/usr/local/bin/kaji", "server",
                "--data-dir=/srv/other", "--anonymous-auth=true") + "\0");
        HostConfig host = HostConfig.detect(data, proc, tmp.resolve("none.yaml"), null);
        assertThat(host.flags()).isEmpty();
        assertThat(host.flagSource()).isNull();
    }

    @Test
    void theWholeKajiSectionRunsWithoutErrorsOnAFreshDataDir() {
        HostConfig host = new HostConfig(data, Map.of(), null, null, List.of());
        Report report = new Assessor(ControlPlaneChecks.all(), Exemptions.none(), Fixtures.CLOCK)
                .run(new AssessmentContext(ClusterSnapshot.of(List.of()), "v1.32.0+kaji.test", KubeVersion.parse("1.32"),
                        host), null);
        List<String> errors = new ArrayList<>();
        report.checks().stream().filter(r -> r.status() == Status.ERROR).forEach(r -> errors.add(r.check().id()));
        assertThat(errors).isEmpty();
        long decided = report.checks().stream().filter(r -> r.status() != Status.MANUAL).count();
        assertThat(decided).isGreaterThanOrEqualTo(70);
    }
}
