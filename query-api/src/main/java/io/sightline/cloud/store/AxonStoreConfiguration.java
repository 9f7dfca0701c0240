package io.sightline.cloud.store;

import io.sightline.domain.session.DriveSession;
import io.sightline.domain.upcasting.FrameCapturedMicrosUpcaster;
import org.axonframework.common.caching.Cache;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import org.axonframework.common.transaction.TransactionManager;
import org.axonframework.messaging.annotation.HandlerDefinition;
import org.axonframework.messaging.annotation.ParameterResolverFactory;
import org.axonframework.spring.eventsourcing.SpringAggregateSnapshotter;
import org.axonframework.config.AggregateConfigurer;
import org.axonframework.config.ConfigurerModule;
import org.axonframework.eventhandling.deadletter.jdbc.DeadLetterSchema;
import org.axonframework.eventhandling.tokenstore.jdbc.TokenSchema;
import org.axonframework.eventsourcing.AggregateFactory;
import org.axonframework.eventsourcing.EventCountSnapshotTriggerDefinition;
import org.axonframework.eventsourcing.GenericAggregateFactory;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.axonframework.eventsourcing.eventstore.jdbc.EventSchema;
import org.axonframework.modelling.saga.repository.jdbc.PostgresSagaSqlSchema;
import org.axonframework.modelling.saga.repository.jdbc.SagaSchema;
import org.axonframework.modelling.saga.repository.jdbc.SagaSqlSchema;
import org.axonframework.serialization.upcasting.event.EventUpcaster;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Axon's JDBC event store on PostgreSQL. Axon builds the storage engine, token store, saga store
 * and dead-letter queue itself from these four schema beans; the tables come from Flyway
 * ({@code migrations} module).
 */
@Configuration(proxyBeanMethods = false)
public class AxonStoreConfiguration {

    @Bean
    public EventSchema eventSchema() {
        return EventSchema.builder()
                .eventTable("domain_event_entry")
                .snapshotTable("snapshot_event_entry")
                .globalIndexColumn("global_index")
                .timestampColumn("time_stamp")
                .eventIdentifierColumn("event_identifier")
                .aggregateIdentifierColumn("aggregate_identifier")
                .sequenceNumberColumn("sequence_number")
                .typeColumn("type")
                .payloadTypeColumn("payload_type")
                .payloadRevisionColumn("payload_revision")
                .payloadColumn("payload")
                .metaDataColumn("meta_data")
                .build();
    }

    @Bean
    public TokenSchema tokenSchema() {
        return TokenSchema.builder()
                .setTokenTable("token_entry")
                .setProcessorNameColumn("processor_name")
                .setSegmentColumn("segment")
                .setTokenColumn("token")
                .setTokenTypeColumn("token_type")
                .setTimestampColumn("timestamp")
                .setOwnerColumn("owner")
                .build();
    }

    @Bean
    public SagaSqlSchema sagaSqlSchema() {
        return new PostgresSagaSqlSchema(SagaSchema.builder()
                .sagaEntryTable("saga_entry")
                .associationValueEntryTable("association_value_entry")
                .sagaIdColumn("saga_id")
                .revisionColumn("revision")
                .sagaTypeColumn("saga_type")
                .serializedSagaColumn("serialized_saga")
                .associationKeyColumn("association_key")
                .associationValueColumn("association_value")
                .build());
    }

    @Bean
    public DeadLetterSchema deadLetterSchema() {
        return DeadLetterSchema.builder()
                .deadLetterTable("dead_letter_entry")
                .deadLetterIdentifierColumn("dead_letter_id")
                .processingGroupColumn("processing_group")
                .sequenceIdentifierColumn("sequence_identifier")
                .sequenceIndexColumn("sequence_index")
                .messageTypeColumn("message_type")
                .eventIdentifierColumn("event_identifier")
                .timestampColumn("time_stamp")
                .payloadTypeColumn("payload_type")
                .payloadRevisionColumn("payload_revision")
                .payloadColumn("payload")
                .metaDataColumn("meta_data")
                .aggregateTypeColumn("aggregate_type")
                .aggregateIdentifierColumn("aggregate_identifier")
                .sequenceNumberColumn("sequence_number")
                .tokenTypeColumn("token_type")
                .tokenColumn("token")
                .enqueuedAtColumn("enqueued_at")
                .lastTouchedColumn("last_touched")
                .processingStartedColumn("processing_started")
                .causeTypeColumn("cause_type")
                .causeMessageColumn("cause_message")
                .diagnosticsColumn("diagnostics")
                .build();
    }

    @Bean
    public EventUpcaster frameCapturedMicrosUpcaster() {
        return new FrameCapturedMicrosUpcaster();
    }

    /** Keeps hot sessions in memory so appending to a long session never replays it. */
    @Bean
    public Cache driveSessionCache(@Value("${sightline.drive-session.cache-entries:10000}") long entries) {
        return new CaffeineAggregateCache(entries);
    }

    /**
     * Snapshots are taken off the command thread: building one replays the events since the last
     * snapshot, which would otherwise stall the ingesting edge for that long.
     */
    @Bean
    public SpringAggregateSnapshotter aggregateSnapshotter(EventStore eventStore, TransactionManager transactionManager,
            ParameterResolverFactory parameterResolverFactory, HandlerDefinition handlerDefinition) {
        Executor executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "drive-session-snapshotter");
            t.setDaemon(true);
            return t;
        });
        return SpringAggregateSnapshotter.builder()
                .eventStore(eventStore)
                .transactionManager(transactionManager)
                .parameterResolverFactory(parameterResolverFactory)
                .handlerDefinition(handlerDefinition)
                .executor(executor)
                .build();
    }

    /**
     * DriveSession lives in {@code domain}, which knows nothing of Spring, so it is registered here
     * rather than with {@code @Aggregate}. A snapshot every N events bounds the replay after a
     * restart, when the cache is cold.
     */
    /** A bean, because Spring's snapshotter finds aggregate factories among the beans. */
    @Bean
    public AggregateFactory<DriveSession> driveSessionAggregateFactory() {
        return new GenericAggregateFactory<>(DriveSession.class);
    }

    @Bean
    public ConfigurerModule driveSessionAggregateModule(Cache driveSessionCache, AggregateFactory<DriveSession> driveSessionAggregateFactory,
            @Value("${sightline.drive-session.snapshot-every-events:5000}") int snapshotEveryEvents) {
        return configurer -> configurer.configureAggregate(
                AggregateConfigurer.defaultConfiguration(DriveSession.class)
                        .configureAggregateFactory(c -> driveSessionAggregateFactory)
                        .configureCache(c -> driveSessionCache)
                        .configureSnapshotTrigger(c -> new EventCountSnapshotTriggerDefinition(c.getComponent(org.axonframework.eventsourcing.Snapshotter.class), snapshotEveryEvents)));
    }

    /** Stores each edge event under the id its producer gave it (see {@link ProducerEventIdInterceptor}). */
    @Bean
    public SmartInitializingSingleton producerEventIdRegistration(EventStore eventStore) {
        return () -> eventStore.registerDispatchInterceptor(new ProducerEventIdInterceptor());
    }
}
