package io.sightline.cloud.registry;

import io.sightline.domain.registry.ArtifactRegistry;
import org.axonframework.config.AggregateConfigurer;
import org.axonframework.config.ConfigurerModule;
import org.axonframework.eventhandling.PropagatingErrorHandler;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The registry's aggregate, blob store and trusted keys (issue 17 §1, ADR-0025). */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(RegistryProperties.class)
public class RegistryConfiguration {

    /**
     * {@link ArtifactRegistry}: one entry per name and version, a handful of events, nothing worth
     * caching. The registry projection's errors propagate, so a registration whose row cannot be
     * written is rolled back instead of stored unlisted.
     */
    @Bean
    public ConfigurerModule artifactRegistryAggregateModule() {
        return configurer -> configurer
                .configureAggregate(AggregateConfigurer.defaultConfiguration(ArtifactRegistry.class))
                // Vehicle assignments (issue 17 §2): a few events per vehicle, read whole by the assignments API.
                .configureAggregate(AggregateConfigurer.defaultConfiguration(io.sightline.domain.rollout.VehicleAssignment.class))
                .eventProcessing(processing -> processing
                        .registerListenerInvocationErrorHandler(RegistryProjection.NAME, c -> PropagatingErrorHandler.instance())
                        .registerListenerInvocationErrorHandler(AssignmentPublisher.NAME, c -> PropagatingErrorHandler.instance()));
    }

    @Bean
    public BlobStore registryBlobStore(RegistryProperties properties) {
        return new FileSystemBlobStore(properties.dir());
    }

    @Bean
    public TrustedReleaseKeys trustedReleaseKeys(RegistryProperties properties) {
        return TrustedReleaseKeys.from(properties);
    }
}
