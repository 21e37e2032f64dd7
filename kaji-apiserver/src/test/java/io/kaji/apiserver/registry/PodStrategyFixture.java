package io.kaji.apiserver.registry;

import io.kaji.apiserver.errors.StatusCause;
import io.kaji.apiserver.serialization.Json;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.node.ObjectNode;

/** A pod as the pod strategy creates and updates it, and the causes it gives, for the registry's pod tests. */
final class PodStrategyFixture {

    private PodStrategyFixture() {
    }

    /** A pod named web with {@code metadata} and {@code spec} (JSON), prepared for create. */
    static ObjectNode created(String metadata, String spec) {
        ObjectNode o = Json.parseTrusted("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":" + metadata
                + ",\"spec\":" + spec + "}");
        Strategies.POD.prepareForCreate(o);
        return o;
    }

    /** A pod named web with {@code spec}, prepared for create. */
    static ObjectNode created(String spec) {
        return created("{\"name\":\"web\"}", spec);
    }

    /** What validation of {@code pod} on create says. */
    static List<String> createErrors(ObjectNode pod) {
        List<StatusCause> causes = new ArrayList<>(Strategies.POD.validate(pod));
        causes.addAll(Strategies.POD.validateCreate(pod));
        return causes.stream().map(StatusCause::describe).toList();
    }

    /** What an update from {@code old} to {@code next} (prepared for update first) is refused for. */
    static List<String> updateErrors(ObjectNode old, ObjectNode next) {
        Strategies.POD.prepareForUpdate(next, old);
        return Strategies.POD.validateUpdate(next, old).stream().map(StatusCause::describe).toList();
    }
}
