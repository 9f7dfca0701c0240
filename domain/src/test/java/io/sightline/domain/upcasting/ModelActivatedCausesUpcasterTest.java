package io.sightline.domain.upcasting;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sightline.domain.event.ModelActivated;
import java.util.List;
import java.util.stream.Stream;
import org.axonframework.serialization.json.JacksonSerializer;
import org.axonframework.serialization.upcasting.event.IntermediateEventRepresentation;
import org.junit.jupiter.api.Test;

class ModelActivatedCausesUpcasterTest {

    private static final String V1 = "{\"modelName\":\"fastestdet\",\"modelVersion\":\"v\",\"modelSha256\":\"ab\",\"role\":\"primary\","
            + "\"inputName\":\"in\",\"inputShape\":[1,3,352,352],\"inputLayout\":\"NCHW\",\"normalisation\":\"BGR /255\","
            + "\"decoderKind\":\"fastestdet-stride16\",\"classes\":[\"car\"],\"licence\":\"BSD-3\",\"source\":\"s\",\"activatedAtNanos\":9}";

    private final JacksonSerializer serializer = StoredEvent.SERIALIZER;

    private IntermediateEventRepresentation stored(String json, String revision) {
        return StoredEvent.of(ModelActivated.class, json, revision);
    }

    private ModelActivated payload(IntermediateEventRepresentation r) {
        return serializer.deserialize(r.getData(JsonNode.class));
    }

    @Test
    void revisionOneBecomesRevisionTwoWithNoCauses() {
        List<IntermediateEventRepresentation> out = new ModelActivatedCausesUpcaster().upcast(Stream.of(stored(V1, "1"))).toList();
        assertThat(out.get(0).getType().getRevision()).isEqualTo("2");
        ModelActivated m = payload(out.get(0));
        assertThat(m.causes()).isEmpty();
        assertThat(m).isEqualTo(new ModelActivated("fastestdet", "v", "ab", "primary", "in", List.of(1, 3, 352, 352), "NCHW", "BGR /255",
                "fastestdet-stride16", List.of("car"), "BSD-3", "s", 9));
    }

    @Test
    void revisionTwoKeepsTheAssignmentItFollowed() {
        String v2 = V1.replace("}", ",\"causes\":[\"assigned-7\"]}");
        IntermediateEventRepresentation current = stored(v2, "2");
        List<IntermediateEventRepresentation> out = new ModelActivatedCausesUpcaster().upcast(Stream.of(current)).toList();
        assertThat(out.get(0)).isSameAs(current);
        assertThat(payload(out.get(0)).causes()).containsExactly("assigned-7");
    }
}
