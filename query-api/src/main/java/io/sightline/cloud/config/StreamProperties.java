package io.sightline.cloud.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code sightline.streams.*}: the Server-Sent Event streams.
 *
 * @param bufferEvents   the bounded buffer of each subscriber, events
 * @param maxDelayMillis an event waiting longer than this in a subscriber's buffer means the client reads slower than
 *                       events arrive: it is sent a {@code resume} event and closed, and reconnects with Last-Event-ID
 * @param maxSubscribers open streams per replica; more are refused until one closes
 */
@ConfigurationProperties("sightline.streams")
public record StreamProperties(@DefaultValue("2000") int bufferEvents, @DefaultValue("5000") long maxDelayMillis,
                               @DefaultValue("256") int maxSubscribers) {
}
