package io.kaji.dns;

import java.util.List;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;

/**
 * What {@link DnsIndex#lookup} decided for one question: either an authoritative answer (rcode and the records of
 * each section) or "not ours", meaning the question goes to the upstream resolvers.
 *
 * @param forward    true when the name is outside the cluster's zones; every other field is then empty
 * @param rcode      {@link Rcode#NOERROR} or {@link Rcode#NXDOMAIN} (or {@link Rcode#SERVFAIL} before the first sync)
 * @param answer     the answer section
 * @param authority  the authority section (the zone's SOA on negative answers)
 * @param additional the additional section (addresses of SRV targets)
 */
public record Answer(boolean forward, int rcode, List<Record> answer, List<Record> authority, List<Record> additional) {

    static final Answer FORWARD = new Answer(true, Rcode.NOERROR, List.of(), List.of(), List.of());

    public Answer {
        answer = List.copyOf(answer);
        authority = List.copyOf(authority);
        additional = List.copyOf(additional);
    }

    static Answer of(List<Record> answer, List<Record> additional) {
        return new Answer(false, Rcode.NOERROR, answer, List.of(), additional);
    }

    static Answer negative(int rcode, Record soa) {
        return new Answer(false, rcode, List.of(), List.of(soa), List.of());
    }
}
