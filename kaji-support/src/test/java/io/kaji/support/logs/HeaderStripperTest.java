package io.kaji.support.logs;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HeaderStripperTest {

    private final HeaderStripper stripper = new HeaderStripper();

    @Test
    void stripsCriPrefixAndKlogHeader() {
        HeaderStripper.Stripped s = stripper.strip(
                "2024-01-15T10:20:30.123456789Z stderr F I1125 19:26:23.123456    1234 controller.go:42] Syncing pod default/web-7d4b9c6f5-x2x9k");
        assertThat(s.message()).isEqualTo("Syncing pod default/web-7d4b9c6f5-x2x9k");
        assertThat(s.level()).isEqualTo("INFO");
        assertThat(s.stream()).isEqualTo("stderr");
        assertThat(s.partial()).isFalse();
    }

    @Test
    void criPartialLineAndPlainMessage() {
        HeaderStripper.Stripped s = stripper.strip("2024-01-15T10:20:30.1+02:00 stdout P listening on :8080");
        assertThat(s.message()).isEqualTo("listening on :8080");
        assertThat(s.partial()).isTrue();
        assertThat(s.level()).isNull();
    }

    @Test
    void klogLevels() {
        assertThat(stripper.strip("E0102 03:04:05.000001 7 x.go:1] boom").level()).isEqualTo("ERROR");
        assertThat(stripper.strip("W0102 03:04:05.000001 7 x.go:1] careful").message()).isEqualTo("careful");
    }

    @Test
    void stripsJavaStyleHeaders() {
        assertThat(stripper.message("2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop.mapreduce.v2.app.MRAppMaster: Created MRAppMaster"))
                .isEqualTo("Created MRAppMaster");
        assertThat(stripper.message("17/06/09 20:10:40 INFO spark.SecurityManager: Changing view acls to: yarn,curi"))
                .isEqualTo("Changing view acls to: yarn,curi");
        assertThat(stripper.message("2015-07-29 17:41:44,747 - INFO  [QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181:FastLeaderElection@774] - Notification time out: 3200"))
                .isEqualTo("Notification time out: 3200");
        assertThat(stripper.message("081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 terminating"))
                .isEqualTo("PacketResponder 1 terminating");
        assertThat(stripper.strip("2017-05-16 00:00:00.008 25746 WARNING nova.compute.manager [req-1 - - -] Bad thing").message())
                .isEqualTo("Bad thing");
    }

    @Test
    void stripsSyslogAndApacheHeaders() {
        assertThat(stripper.message("Jun 14 15:16:02 combo sshd(pam_unix)[19937]: check pass; user unknown"))
                .isEqualTo("check pass; user unknown");
        HeaderStripper.Stripped s = stripper.strip("[Sun Dec 04 05:15:09 2005] [error] [client 222.166.160.184] Directory index forbidden");
        assertThat(s.message()).isEqualTo("[client 222.166.160.184] Directory index forbidden");
        assertThat(s.level()).isEqualTo("ERROR");
    }

    @Test
    void leavesLinesWithoutHeaderAlone() {
        assertThat(stripper.message("connection reset by peer")).isEqualTo("connection reset by peer");
        assertThat(stripper.message("INFO is not a header without a timestamp")).isEqualTo("INFO is not a header without a timestamp");
        assertThat(stripper.message("")).isEmpty();
    }
}
