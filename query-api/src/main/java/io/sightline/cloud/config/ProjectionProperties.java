package io.sightline.cloud.config;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code sightline.projections.*}: the pooled projection processors.
 *
 * @param enabled            run the projections on this replica (the projection beans exist only then)
 * @param maxClaimedSegments segments one replica claims at most; 0 keeps Axon's default (one node takes every free
 *                           segment). With N replicas, segments / N rounded up splits the work
 * @param saturatedBackoff   what the coordinator waits instead of Axon's fixed 100 ms when a work package is full
 *                           (ADR-0014); 100 ms or more is refused at start
 */
@ConfigurationProperties("sightline.projections")
public record ProjectionProperties(@DefaultValue("true") boolean enabled, @DefaultValue("0") int maxClaimedSegments,
                                   @DefaultValue("5ms") Duration saturatedBackoff) {
}
