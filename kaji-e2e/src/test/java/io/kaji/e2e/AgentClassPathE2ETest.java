package io.kaji.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.cli.KajiCommand;
import io.kaji.cli.localcluster.KajiProcess;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The agent role's narrower class path (kaji-cli/pom.xml, execution agent-classpath), which the launcher and
 * every agent of the end-to-end tests run with: it exists, names jars that exist, leaves out the server-only ones,
 * and is enough for picocli to build the whole command tree.
 */
class AgentClassPathE2ETest {

    @Test
    void agentClassPathLeavesOutServerOnlyJarsAndStarts() throws Exception {
        Path target = KajiProcess.cliTarget();
        Path list = target.resolve("agent.classpath");
        assertThat(list).as("written by mvn package of kaji-cli").isRegularFile();
        String cp = KajiProcess.classPath(true);
        List<String> entries = Arrays.asList(cp.split(File.pathSeparator));
        assertThat(entries).allSatisfy(e -> assertThat(Path.of(e)).isRegularFile());
        long allJars;
        try (Stream<Path> lib = Files.list(target.resolve("lib"))) {
            allJars = lib.filter(p -> p.toString().endsWith(".jar")).count();
        }
        assertThat(entries.size() - 1L).isLessThan(allJars);
        // Bouncy Castle too: the token join's certificate request is built with the JDK (BootstrapTokenJoinE2ETest
        // joins an agent on this class path).
        assertThat(entries).noneMatch(e -> e.matches(".*/(sqlite-jdbc|jetcd-core|vertx-core|jmh-core|jib-core|"
                + "commons-math3|nimbus-jose-jwt|bcprov-jdk18on|bcpkix-jdk18on|bcutil-jdk18on)-[^/]*\\.jar"));
        assertThat(entries).anyMatch(e -> e.matches(".*/kaji-node-[^/]*\\.jar"));

        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", cp, KajiCommand.class.getName(), "agent", "--help").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("--token", "--containerd-socket").doesNotContain("NoClassDefFoundError");
    }

    /** The launcher's own agent branch (it reads agent.classpath itself), without building anything. */
    @Test
    void launcherStartsAnAgentOnItsClassPath() throws Exception {
        Path launcher = KajiProcess.cliTarget().getParent().getParent().resolve("kaji");
        ProcessBuilder pb = new ProcessBuilder("bash", "-x", launcher.toString(), "agent", "--help")
                .redirectErrorStream(true);
        pb.environment().put("KAJI_NO_BUILD", "1");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("Usage: kaji agent", "--token").doesNotContain("building", "WARN");
        String exec = out.lines().filter(l -> l.startsWith("+ exec ")).findFirst().orElseThrow();
        assertThat(exec).contains("/lib/kaji-node-").doesNotContain("lib/*").doesNotContain("sqlite-jdbc");
    }
}
