package io.sightline.cloud.store;

import io.sightline.domain.event.EventMetadataKeys;
import java.util.List;
import java.util.function.BiFunction;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.messaging.MessageDispatchInterceptor;

/**
 * Replaces the random identifier Axon gives an applied event with the id its producer assigned
 * (carried in metadata). The stored {@code event_identifier} is then the edge's id, so
 * {@code causes} resolve directly and the unique key on it rejects a doubled event even if the
 * sequence check were bypassed.
 */
public class ProducerEventIdInterceptor implements MessageDispatchInterceptor<EventMessage<?>> {

    @Override
    public BiFunction<Integer, EventMessage<?>, EventMessage<?>> handle(List<? extends EventMessage<?>> messages) {
        return (index, message) -> {
            Object producerId = message.getMetaData().get(EventMetadataKeys.EVENT_ID);
            if (!(message instanceof DomainEventMessage<?> domain) || !(producerId instanceof String id)
                    || id.equals(message.getIdentifier())) {
                return message;
            }
            return new GenericDomainEventMessage<>(domain.getType(), domain.getAggregateIdentifier(),
                    domain.getSequenceNumber(), domain.getPayload(), domain.getMetaData(), id, domain.getTimestamp());
        };
    }
}
