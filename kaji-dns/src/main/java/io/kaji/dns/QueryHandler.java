package io.kaji.dns;

import java.io.IOException;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Turns one request packet into a response packet: parses it, answers cluster names from the {@link DnsIndex},
 * builds FORMERR/NOTIMP/REFUSED answers for bad requests, and tells the caller when a question must go upstream
 * ({@link Reply.Forward}); {@link #forward} then does that (blocking). Thread-safe; never throws on bad input.
 */
final class QueryHandler {

    private static final Logger log = LoggerFactory.getLogger(QueryHandler.class);

    /** EDNS payload size we advertise (the DNS flag day 2020 value, avoids IP fragmentation). */
    static final int EDNS_PAYLOAD = 1232;
    /** Largest UDP response without EDNS (RFC 1035). */
    static final int PLAIN_UDP = 512;
    /** CNAMEs followed inside one answer (ExternalName → ExternalName → …) before giving up. */
    static final int MAX_CNAME_HOPS = 8;

    private final DnsIndex index;
    private final Forwarder forwarder;
    private final BooleanSupplier synced;

    /** What to do with one request. */
    sealed interface Reply {
        /** Send these bytes back. */
        record Send(byte[] wire) implements Reply {}

        /** Send nothing (the packet was not a request we can answer, e.g. too short to carry an ID). */
        record Drop() implements Reply {}

        /**
         * The question is not ours, or our answer is a CNAME chain ({@code partial}) ending outside the cluster
         * whose target still needs addresses: {@link #forward} it and send the result.
         */
        record Forward(Message query, byte[] wire, int maxSize, Message partial, Name target) implements Reply {
            Forward(Message query, byte[] wire, int maxSize) {
                this(query, wire, maxSize, null, null);
            }
        }
    }

    QueryHandler(DnsIndex index, Forwarder forwarder, BooleanSupplier synced) {
        this.index = index;
        this.forwarder = forwarder;
        this.synced = synced;
    }

    /**
     * @param packet the request bytes ({@code length} of them from offset 0)
     * @param udp    whether it came over UDP (responses are then limited to 512 bytes or the EDNS size, with TC)
     */
    Reply handle(byte[] packet, int length, boolean udp) {
        if (length < Header.LENGTH) {
            return new Reply.Drop();
        }
        if ((packet[2] & 0x80) != 0) {
            return new Reply.Drop(); // a response, not a query: never answer it (reflection loops)
        }
        byte[] wire = length == packet.length ? packet : java.util.Arrays.copyOf(packet, length);
        Message query;
        try {
            query = new Message(wire);
        } catch (IOException | RuntimeException e) {
            log.debug("malformed DNS request ({} bytes): {}", length, e.toString());
            return new Reply.Send(headerOnly(packet, Rcode.FORMERR));
        }
        try {
            return answer(query, wire, udp);
        } catch (RuntimeException e) {
            log.warn("DNS request for {} failed: {}", query.getQuestion(), e.toString(), e);
            return new Reply.Send(headerOnly(packet, Rcode.SERVFAIL));
        }
    }

    private Reply answer(Message query, byte[] wire, boolean udp) {
        Header h = query.getHeader();
        int maxSize = udp ? maxUdpSize(query) : 65535;
        if (h.getOpcode() != Opcode.QUERY) {
            return send(response(query, Rcode.NOTIMP, false), maxSize);
        }
        Record question = query.getQuestion();
        if (question == null || h.getCount(Section.QUESTION) != 1) {
            return send(response(query, Rcode.FORMERR, false), maxSize);
        }
        Answer answer = index.lookup(question.getName(), question.getType());
        if (answer.forward()) {
            return new Reply.Forward(query, wire, maxSize);
        }
        if (question.getDClass() != DClass.IN && question.getDClass() != DClass.ANY) {
            return send(response(query, Rcode.REFUSED, false), maxSize);
        }
        if (!synced.getAsBoolean()) {
            // Before the first list the index would deny names that exist: make the client retry instead.
            return send(response(query, Rcode.SERVFAIL, false), maxSize);
        }
        Message response = response(query, answer.rcode(), true);
        int type = question.getType();
        Name target = cnameTarget(answer, type);
        // Stub resolvers (glibc, musl) do not follow a CNAME themselves: chase it, as CoreDNS does for ExternalName.
        for (int hop = 0; target != null && hop < MAX_CNAME_HOPS; hop++) {
            answer.answer().forEach(r -> response.addRecord(r, Section.ANSWER));
            Answer next = index.lookup(target, type);
            if (next.forward()) {
                return new Reply.Forward(query, wire, maxSize, response, target);
            }
            answer = next;
            target = cnameTarget(answer, type);
            response.getHeader().setRcode(answer.rcode()); // RFC 6604: the rcode of the chain's last name
        }
        answer.answer().forEach(r -> response.addRecord(r, Section.ANSWER));
        answer.authority().forEach(r -> response.addRecord(r, Section.AUTHORITY));
        answer.additional().forEach(r -> response.addRecord(r, Section.ADDITIONAL));
        return send(response, maxSize);
    }

    /** The target when {@code answer} is a lone CNAME and the question asked for something else; else null. */
    private static Name cnameTarget(Answer answer, int type) {
        if (type == Type.CNAME || type == Type.ANY || answer.answer().size() != 1
                || !(answer.answer().get(0) instanceof CNAMERecord cname)) {
            return null;
        }
        return cname.getTarget();
    }

    /** Sends {@code f}'s question upstream and returns the response for the client (SERVFAIL when none answered). */
    byte[] forward(Reply.Forward f) {
        if (f.partial() != null) {
            return chase(f);
        }
        byte[] upstream = forwarder.forward(f.wire());
        if (upstream == null) {
            return ((Reply.Send) send(response(f.query(), Rcode.SERVFAIL, false), f.maxSize())).wire();
        }
        if (upstream.length <= f.maxSize()) {
            return upstream;
        }
        try {
            return new Message(upstream).toWire(f.maxSize()); // re-encoded with TC for a smaller client buffer
        } catch (IOException e) {
            return ((Reply.Send) send(response(f.query(), Rcode.SERVFAIL, false), f.maxSize())).wire();
        }
    }

    /** Asks the upstreams for the CNAME target and appends their answer; on failure the CNAME alone is sent. */
    private byte[] chase(Reply.Forward f) {
        Message partial = f.partial();
        Message ask = Message.newQuery(Record.newRecord(f.target(), f.query().getQuestion().getType(), DClass.IN));
        byte[] upstream = forwarder.forward(ask.toWire());
        if (upstream != null) {
            try {
                Message answer = new Message(upstream);
                answer.getSection(Section.ANSWER).forEach(r -> partial.addRecord(r, Section.ANSWER));
                if (answer.getRcode() == Rcode.NXDOMAIN) {
                    partial.getHeader().setRcode(Rcode.NXDOMAIN);
                }
            } catch (IOException e) {
                log.debug("unreadable upstream answer for {}: {}", f.target(), e.toString());
            }
        }
        return partial.toWire(f.maxSize());
    }

    private static int maxUdpSize(Message query) {
        OPTRecord opt = query.getOPT();
        if (opt == null) {
            return PLAIN_UDP;
        }
        return Math.max(PLAIN_UDP, Math.min(opt.getPayloadSize(), 65535));
    }

    private static Message response(Message query, int rcode, boolean authoritative) {
        Header qh = query.getHeader();
        Message m = new Message(qh.getID());
        Header h = m.getHeader();
        h.setFlag(Flags.QR);
        h.setOpcode(qh.getOpcode());
        if (qh.getFlag(Flags.RD)) {
            h.setFlag(Flags.RD);
        }
        h.setFlag(Flags.RA);
        if (authoritative) {
            h.setFlag(Flags.AA);
        }
        h.setRcode(rcode);
        if (query.getQuestion() != null) {
            m.addRecord(query.getQuestion(), Section.QUESTION);
        }
        if (query.getOPT() != null) {
            m.addRecord(new OPTRecord(EDNS_PAYLOAD, 0, 0), Section.ADDITIONAL);
        }
        return m;
    }

    private static Reply send(Message response, int maxSize) {
        return new Reply.Send(response.toWire(maxSize));
    }

    /** A response carrying only the request's ID and opcode, for requests that cannot be parsed further. */
    static byte[] headerOnly(byte[] request, int rcode) {
        byte[] out = new byte[Header.LENGTH];
        out[0] = request[0];
        out[1] = request[1];
        out[2] = (byte) (0x80 | (request[2] & 0x78)); // QR + the request's opcode
        out[3] = (byte) (rcode & 0x0f);
        return out;
    }
}
