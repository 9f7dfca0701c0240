package io.sightline.cloud.trace;

import io.sightline.cloud.api.AlertReadModel;
import io.sightline.explain.EventLookup;
import io.sightline.explain.trace.CausalTraceEngine;
import io.sightline.explain.trace.TraceOptions;
import io.sightline.explain.whatif.WhatIfReplay;
import org.axonframework.config.Configuration;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Wires the Spring-free explainability engines to the JDBC store. The track-history bound of a
 * trace is configurable ({@code sightline.explain.track-history-window-ms},
 * {@code sightline.explain.max-track-history-updates}).
 */
@org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
public class ExplainConfiguration {

    @Bean
    public JdbcEventLookup jdbcEventLookup(JdbcTemplate jdbc, AlertReadModel alerts, ObjectProvider<Configuration> axon) {
        return new JdbcEventLookup(jdbc, alerts::eventIdOf, () -> axon.getObject().eventSerializer(), () -> axon.getObject().upcasterChain());
    }

    @Bean
    public CausalTraceEngine causalTraceEngine(EventLookup lookup,
                                               @Value("${sightline.explain.track-history-window-ms:500}") long windowMs,
                                               @Value("${sightline.explain.max-track-history-updates:12}") int maxUpdates) {
        return new CausalTraceEngine(lookup, new TraceOptions(windowMs * 1_000_000L, maxUpdates));
    }

    @Bean
    public WhatIfReplay whatIfReplay(EventLookup lookup) {
        return new WhatIfReplay(lookup);
    }
}
