package io.sightline.cloud.store;

import io.sightline.cloud.config.ProjectionProperties;
import io.sightline.cloud.projection.SaturationBackoffExecutor;
import io.sightline.domain.session.AppendEventBatch;
import io.sightline.domain.session.DriveSession;
import io.sightline.domain.upcasting.FrameCapturedMicrosUpcaster;
import org.axonframework.common.caching.Cache;
import org.axonframework.common.jdbc.ConnectionProvider;
import org.axonframework.common.jdbc.PersistenceExceptionResolver;
import org.axonframework.common.transaction.TransactionManager;
import org.axonframework.eventsourcing.eventstore.EventStorageEngine;
import org.axonframework.eventsourcing.eventstore.jdbc.JdbcEventStorageEngine;
import org.axonframework.serialization.Serializer;
import org.springframework.beans.factory.annotation.Qualifier;
import org.axonframework.config.AggregateConfigurer;
import org.axonframework.config.ConfigurerModule;
import org.axonframework.eventhandling.deadletter.jdbc.DeadLetterSchema;
import org.axonframework.eventhandling.tokenstore.TokenStore;
import org.axonframework.eventhandling.tokenstore.jdbc.JdbcTokenStore;
import org.axonframework.eventhandling.tokenstore.jdbc.TokenSchema;
import org.axonframework.eventsourcing.AggregateFactory;
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

    /**
     * Axon's own JDBC engine, built exactly as its auto-configuration does, but reading
     * {@code fetch-batch-size} events per query instead of 100: projection replays, SSE catch-up
     * and audit exports all stream the store, and at 100 per round trip the read was their limit
     * (docs/benchmarks.md, projection rebuild).
     */
    @Bean
    public EventStorageEngine eventStorageEngine(Serializer defaultSerializer, PersistenceExceptionResolver persistenceExceptionResolver,
            @Qualifier("eventSerializer") Serializer eventSerializer, org.axonframework.config.Configuration configuration,
            ConnectionProvider connectionProvider, TransactionManager transactionManager, EventSchema eventSchema,
            @Value("${sightline.event-store.fetch-batch-size:1000}") int fetchBatchSize) {
        return JdbcEventStorageEngine.builder()
                .snapshotSerializer(defaultSerializer)
                .upcasterChain(configuration.upcasterChain())
                .persistenceExceptionResolver(persistenceExceptionResolver)
                .eventSerializer(eventSerializer)
                .snapshotFilter(configuration.snapshotFilter())
                .connectionProvider(connectionProvider)
                .transactionManager(transactionManager)
                .schema(eventSchema)
                .batchSize(fetchBatchSize)
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

    /** Upcasters run in @Order: each revision step expects the output of the one before. */
    @Bean
    @org.springframework.core.annotation.Order(1)
    public EventUpcaster frameCapturedMicrosUpcaster() {
        return new FrameCapturedMicrosUpcaster();
    }

    @Bean
    @org.springframework.core.annotation.Order(2)
    public EventUpcaster frameCapturedEvidenceUpcaster() {
        return new io.sightline.domain.upcasting.FrameCapturedEvidenceUpcaster();
    }

    @Bean
    @org.springframework.core.annotation.Order(3)
    public EventUpcaster modelActivatedCausesUpcaster() {
        return new io.sightline.domain.upcasting.ModelActivatedCausesUpcaster();
    }

    @Bean
    @org.springframework.core.annotation.Order(4)
    public EventUpcaster evidenceClipRecordedStillsUpcaster() {
        return new io.sightline.domain.upcasting.EvidenceClipRecordedStillsUpcaster();
    }

    @Bean
    @org.springframework.core.annotation.Order(5)
    public EventUpcaster shadowFramesDroppedPreemptedUpcaster() {
        return new io.sightline.domain.upcasting.ShadowFramesDroppedPreemptedUpcaster();
    }

    /** After {@link #evidenceClipRecordedStillsUpcaster} (revision 1 → 2): revision 2 → 3 (ADR-0041). */
    @Bean
    @org.springframework.core.annotation.Order(6)
    public EventUpcaster evidenceClipRecordedNotKeptUpcaster() {
        return new io.sightline.domain.upcasting.EvidenceClipRecordedNotKeptUpcaster();
    }

    @Bean
    @org.springframework.core.annotation.Order(7)
    public EventUpcaster vehicleAssignedChallengerPolicyUpcaster() {
        return new io.sightline.domain.upcasting.VehicleAssignedChallengerPolicyUpcaster();
    }

    @Bean
    @org.springframework.core.annotation.Order(8)
    public EventUpcaster rolloutRollbackUnconfirmedTriggerUpcaster() {
        return new io.sightline.domain.upcasting.RolloutRollbackUnconfirmedTriggerUpcaster();
    }

    /** Keeps hot sessions in memory so appending to a long session never replays it. */
    @Bean
    public Cache driveSessionCache(@Value("${sightline.drive-session.cache-entries:10000}") long entries) {
        return new CaffeineAggregateCache(entries);
    }

    /** Loads a session from its latest snapshot, whose payload is the aggregate itself. */
    @Bean
    public AggregateFactory<DriveSession> driveSessionAggregateFactory() {
        return new GenericAggregateFactory<>(DriveSession.class);
    }

    /**
     * DriveSession lives in {@code domain}, which knows nothing of Spring, so it is registered here
     * rather than with {@code @Aggregate}. Axon triggers no snapshots: the aggregate hands back a
     * copy of its state every {@link DriveSession#SNAPSHOT_EVERY_EVENTS} events and
     * {@link io.sightline.cloud.ingest.IngestionService} stores it, which bounds the replay after a
     * restart without replaying anything to build it.
     */
    @Bean
    public ConfigurerModule driveSessionAggregateModule(Cache driveSessionCache, AggregateFactory<DriveSession> driveSessionAggregateFactory) {
        return configurer -> configurer.configureAggregate(
                AggregateConfigurer.defaultConfiguration(DriveSession.class)
                        .configureAggregateFactory(c -> driveSessionAggregateFactory)
                        .configureCache(c -> driveSessionCache));
    }

    /**
     * Axon's JDBC token store as its auto-configuration builds it, with an owner id unique to this
     * replica. The default owner is {@code pid@host}: two replicas in one JVM, or in containers that
     * share a hostname and pid, would each believe they own the other's segments.
     */
    @Bean
    public TokenStore tokenStore(ConnectionProvider connectionProvider, Serializer serializer, TokenSchema tokenSchema,
            @Value("${sightline.node-id:}") String nodeId,
            @Value("${axon.eventhandling.tokenstore.claim-timeout:10s}") java.time.Duration claimTimeout) {
        String owner = nodeId == null || nodeId.isBlank()
                ? java.lang.management.ManagementFactory.getRuntimeMXBean().getName() + "/" + java.util.UUID.randomUUID().toString().substring(0, 8)
                : nodeId;
        return JdbcTokenStore.builder()
                .connectionProvider(connectionProvider)
                .schema(tokenSchema)
                .serializer(serializer)
                .claimTimeout(claimTimeout)
                .nodeId(owner)
                .build();
    }

    /**
     * Defaults for every pooled processor (the projections).
     *
     * <p>How many segments of each projection this replica may claim: a pooled processor claims every
     * free segment by default, so a second replica would sit idle as a standby; with N replicas set
     * {@code sightline.projections.max-claimed-segments} to segments / N (rounded up) and they split
     * the work through the JDBC token store. Unset (0) keeps the default: one node takes everything.
     *
     * <p>The coordinator runs on a {@link SaturationBackoffExecutor}, shut down with Axon as its own
     * default is, so a full work package idles the other workers for
     * {@code sightline.projections.saturated-backoff} instead of 100 ms (ADR-0014).
     */
    @Bean
    public ConfigurerModule projectionProcessorDefaults(
            ProjectionProperties projections) {
        int maxClaimedSegments = projections.maxClaimedSegments();
        java.time.Duration saturatedBackoff = projections.saturatedBackoff();
        return configurer -> configurer.eventProcessing().registerPooledStreamingEventProcessorConfiguration(
                (config, builder) -> {
                    builder.coordinatorExecutor(processorName -> {
                        SaturationBackoffExecutor executor = new SaturationBackoffExecutor(
                                new org.axonframework.common.AxonThreadFactory("Coordinator[" + processorName + "]"), saturatedBackoff);
                        config.onShutdown(executor::shutdown);
                        return executor;
                    });
                    if (maxClaimedSegments > 0) {
                        builder.maxClaimedSegments(maxClaimedSegments);
                    }
                    return builder;
                });
    }

    /**
     * Correlation data (trace and correlation ids) for the messages a handler dispatches, as Axon's
     * default {@link org.axonframework.messaging.correlation.MessageOriginProvider} gives it, except
     * for events replayed by the streaming processors: no projection dispatches anything, yet the
     * default read every event's metadata, deserialising it, only to find the ids; that was a third
     * of a projection rebuild's handling time (docs/benchmarks.md). Nor for the edge events an
     * {@link AppendEventBatch} stores: their origin is their producer (event id and traceparent in
     * their own metadata), and the carrying command's id, written twice into every event, was a
     * two thirds of each event's stored metadata bytes. Other commands still pass their ids on
     * to the events they cause.
     */
    @Bean
    public org.axonframework.messaging.correlation.CorrelationDataProvider originUnlessReplayed() {
        org.axonframework.messaging.correlation.MessageOriginProvider origin = new org.axonframework.messaging.correlation.MessageOriginProvider();
        return message -> message instanceof org.axonframework.eventhandling.TrackedEventMessage
                || message.getPayload() instanceof AppendEventBatch ? java.util.Map.of() : origin.correlationDataFor(message);
    }

    /** Stores each edge event under the id its producer gave it (see {@link ProducerEventIdInterceptor}). */
    @Bean
    public SmartInitializingSingleton producerEventIdRegistration(EventStore eventStore) {
        return () -> eventStore.registerDispatchInterceptor(new ProducerEventIdInterceptor());
    }
}
