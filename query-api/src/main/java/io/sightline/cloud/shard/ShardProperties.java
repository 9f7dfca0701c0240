package io.sightline.cloud.shard;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code sightline.shard.*}: which shard of a fleet-sharded cloud this deployment is (ADR-0031).
 *
 * @param id  this shard's id in the map; unset: not sharded, every fleet is served here
 * @param map the shard map file (properties: shard.&lt;id&gt;.url, fleet.&lt;fleet&gt;=&lt;shard&gt;, ...), required with an id
 */
@ConfigurationProperties("sightline.shard")
public record ShardProperties(String id, String map) {
}
