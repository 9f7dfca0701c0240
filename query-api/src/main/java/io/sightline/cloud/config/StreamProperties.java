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
 * @param heartbeatSeconds a stream with nothing to send for this long gets an SSE comment: proxies and load balancers
 *                       close idle connections (nginx after 60 s by default), and a write is how a replica notices a
 *                       client that went away without closing
 */
@ConfigurationProperties("sightline.streams")
public record StreamProperties(@DefaultValue("2000") int bufferEvents, @DefaultValue("5000") long maxDelayMillis,
                               @DefaultValue("256") int maxSubscribers, @DefaultValue("15") int heartbeatSeconds) {
    public StreamProperties {
        if (heartbeatSeconds < 1) {
            throw new IllegalArgumentException("sightline.streams.heartbeat-seconds must be >= 1, got " + heartbeatSeconds);
        }
    }
}
