package io.sightline.cloud.config;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code sightline.alerts.mqtt.*}: alert notifications to safety apps over MQTT (ADR-0016).
 *
 * @param enabled       announce at all (the publisher exists only then, and the notifier only where projections run too)
 * @param url           the broker; unset means the ingestion broker ({@link #url(IngestMqttProperties)})
 * @param topicRoot     first topic level of {@code {root}/{fleet}/{vehicle}/alerts}; unset means the ingestion root
 * @param pollInterval  how often the publisher looks for pending rows in the outbox
 * @param keepPublished how long sent rows are kept before they are deleted
 */
@ConfigurationProperties("sightline.alerts.mqtt")
public record AlertsMqttProperties(@DefaultValue("false") boolean enabled, String url, String topicRoot,
                                   @DefaultValue("200ms") Duration pollInterval, @DefaultValue("30d") Duration keepPublished) {

    public String url(IngestMqttProperties ingest) {
        return url == null || url.isBlank() ? ingest.url() : url;
    }

    public String topicRoot(IngestMqttProperties ingest) {
        return topicRoot == null || topicRoot.isBlank() ? ingest.topicRoot() : topicRoot;
    }
}
