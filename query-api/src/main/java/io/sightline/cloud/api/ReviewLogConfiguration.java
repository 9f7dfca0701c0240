package io.sightline.cloud.api;

import io.sightline.cloud.projection.AlertsProjection;
import io.sightline.domain.review.SessionReviewLog;
import org.axonframework.config.AggregateConfigurer;
import org.axonframework.config.ConfigurerModule;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.async.SequencingPolicy;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Registers {@link SessionReviewLog}, the aggregate that stores investigators' reviews and
 * missed-event reports next to (never inside) the edge's DriveSession. {@code domain} has no Spring,
 * so it is registered here as DriveSession is in {@code AxonStoreConfiguration}.
 */
@Configuration(proxyBeanMethods = false)
public class ReviewLogConfiguration {

    /** No cache and no snapshots: a review log holds a handful of events and no state worth keeping hot. */
    /** Evaluation logs, one per policy version (issue 15 §6); no cache or snapshots for the same reason. */
    @Bean
    public ConfigurerModule evaluationLogAggregateModule() {
        return configurer -> configurer.configureAggregate(AggregateConfigurer.defaultConfiguration(
                io.sightline.domain.evaluation.EvaluationLog.class));
    }

    /** Drift logs, one per scope (issue 16 §2): a few events per finding, nothing worth caching. */
    @Bean
    public ConfigurerModule driftLogAggregateModule() {
        return configurer -> configurer.configureAggregate(AggregateConfigurer.defaultConfiguration(
                io.sightline.domain.monitoring.DriftLog.class));
    }

    /** Latency findings, one log per model (issue 16 §3); no cache or snapshots: a handful of findings per model. */
    @Bean
    public ConfigurerModule latencyMonitorLogAggregateModule() {
        return configurer -> configurer.configureAggregate(AggregateConfigurer.defaultConfiguration(
                io.sightline.domain.monitoring.LatencyMonitorLog.class));
    }

    /** Cloud-side applications' logs, one per application and session (ADR-0029); written once, never worth caching. */
    @Bean
    public ConfigurerModule sessionApplicationLogAggregateModule() {
        return configurer -> configurer.configureAggregate(AggregateConfigurer.defaultConfiguration(
                io.sightline.domain.apps.SessionApplicationLog.class));
    }

    @Bean
    public ConfigurerModule sessionReviewLogAggregateModule() {
        return configurer -> configurer
                .configureAggregate(AggregateConfigurer.defaultConfiguration(SessionReviewLog.class))
                // The alerts projection updates the row an AlertRaised inserted. Axon's default policy
                // sequences per aggregate, so with several segments a replay could apply a review (aggregate
                // <session>/reviews) before the raise (aggregate <session>) and lose the verdict. Sequencing
                // both by session keeps them in global order in one segment; plain sessions hash as before.
                .eventProcessing(processing -> processing.registerSequencingPolicy(AlertsProjection.NAME,
                        c -> sessionSequencing()));
    }

    /** The session an event belongs to: its aggregate id, or the session of a review or application log. */
    static SequencingPolicy<EventMessage<?>> sessionSequencing() {
        return event -> event instanceof DomainEventMessage<?> domain
                ? io.sightline.domain.session.SessionAggregates.driveSessionOf(domain.getAggregateIdentifier())
                : null;
    }
}
