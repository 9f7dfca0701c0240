package io.sightline.cloud.ingest;

import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.ingest.EventCodec;
import io.sightline.domain.session.AppendEventBatch;
import io.sightline.domain.session.BatchAck;
import java.util.List;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.springframework.stereotype.Service;

/**
 * The single entry point every transport (in-process, HTTP, MQTT) uses to store edge batches
 * through the DriveSession aggregate. Rejections surface as
 * {@link io.sightline.domain.session.BatchRejectedException} with the reason and the sequence to
 * resend from.
 */
@Service
public class IngestionService {

    private final CommandGateway commandGateway;
    private final EventCodec codec = new EventCodec();

    public IngestionService(CommandGateway commandGateway) {
        this.commandGateway = commandGateway;
    }

    public BatchAck append(String sessionId, long firstSequence, List<EventEnvelope> events) {
        return commandGateway.sendAndWait(new AppendEventBatch(sessionId, firstSequence, events));
    }

    /** Decodes a wire batch (JSON array) strictly, then appends it. */
    public BatchAck appendJson(String sessionId, long firstSequence, String json) {
        return append(sessionId, firstSequence, codec.decodeBatch(json));
    }

    public EventCodec codec() {
        return codec;
    }
}
