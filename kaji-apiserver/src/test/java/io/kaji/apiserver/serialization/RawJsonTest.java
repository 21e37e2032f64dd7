package io.kaji.apiserver.serialization;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

class RawJsonTest {

    @Test
    void bytesGoIntoTheOutputUnchangedWhetherTheyFitTheGeneratorsBufferOrNot() {
        String small = "{\"name\":\"caf\u00e9 \u2603\",\"n\":[1,2.50,true,null]}";
        String large = "{\"data\":\"" + "x\u00e9".repeat(10_000) + "\"}";
        for (String raw : new String[] {small, large}) {
            ObjectNode event = Json.object();
            event.put("kind", "Event");
            event.putRawValue("requestObject", RawJson.value(raw.getBytes(StandardCharsets.UTF_8)));
            event.put("stage", "ResponseComplete");

            String written = new String(Json.bytes(event), StandardCharsets.UTF_8);

            assertThat(written).isEqualTo("{\"kind\":\"Event\",\"requestObject\":" + raw
                    + ",\"stage\":\"ResponseComplete\"}");
            assertThat(Json.string(event)).isEqualTo(written);
        }
    }
}
