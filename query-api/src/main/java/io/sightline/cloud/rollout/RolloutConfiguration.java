package io.sightline.cloud.rollout;

import io.sightline.domain.rollout.Rollout;
import java.time.Duration;
import org.axonframework.config.AggregateConfigurer;
import org.axonframework.config.ConfigurerModule;
import org.axonframework.eventhandling.PropagatingErrorHandler;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The rollout aggregate, the rollouts projection's error handling and the scheduler (issue 17 §4, ADR-0026). */
@Configuration(proxyBeanMethods = false)
public class RolloutConfiguration {

    /** {@link Rollout}: a few events per step, read whole by the scheduler; nothing worth caching. */
    @Bean
    public ConfigurerModule rolloutAggregateModule() {
        return configurer -> configurer
                .configureAggregate(AggregateConfigurer.defaultConfiguration(Rollout.class))
                .eventProcessing(processing -> processing
                        .registerListenerInvocationErrorHandler(RolloutsProjection.NAME, c -> PropagatingErrorHandler.instance()));
    }

    /**
     * Checks every running rollout every {@code sightline.rollouts.check-interval} (10 s by default).
     * Off with {@code sightline.rollouts.scheduler.enabled=false} (tests drive {@link RolloutService#tick}
     * with their own clock) and where projections do not run, since the gates read their tables.
     */
    @Bean(initMethod = "start", destroyMethod = "stop")
    @ConditionalOnProperty(name = {"sightline.rollouts.scheduler.enabled", "sightline.projections.enabled"}, havingValue = "true",
            matchIfMissing = true)
    public RolloutScheduler rolloutScheduler(RolloutService service, @Value("${sightline.rollouts.check-interval:PT10S}") Duration interval) {
        return new RolloutScheduler(service, interval);
    }
}
