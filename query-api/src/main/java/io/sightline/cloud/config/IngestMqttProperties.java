package io.sightline.cloud.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code sightline.ingest.mqtt.*}: the cloud's MQTT ingestion (ADR-0011), off unless a broker is
 * configured. The alert notifications use the same broker and root unless told otherwise
 * ({@link AlertsMqttProperties}).
 *
 * @param enabled    subscribe at all (the subscriber bean exists only then)
 * @param url        the broker, {@code tcp://host:port}
 * @param shareGroup replicas in the same group split {@code {root}/+/+/events} between them ({@code $share/<group>/...})
 * @param topicRoot  first topic level: {@code {root}/{fleet}/{vehicle}/events}. Tests use their own root so that concurrent
 *                   runs on one broker never answer each other's batches
 * @param workers    batches decided in parallel per replica; the database is the limit, not the broker
 */
@ConfigurationProperties("sightline.ingest.mqtt")
public record IngestMqttProperties(@DefaultValue("false") boolean enabled, @DefaultValue("tcp://127.0.0.1:1883") String url,
                                   @DefaultValue("ingest") String shareGroup, @DefaultValue("sightline") String topicRoot,
                                   @DefaultValue("2") int workers) {
}
