package io.sightline.cloud.shard;

import java.nio.file.Path;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ShardProperties.class)
public class ShardConfiguration {

    @Bean
    @ConditionalOnProperty(name = "sightline.shard.id")
    ShardOwnership shardOwnership(ShardProperties shard) {
        if (shard.map() == null || shard.map().isBlank()) {
            throw new IllegalArgumentException("sightline.shard.id is '" + shard.id() + "' but sightline.shard.map names no shard map file");
        }
        return new ShardOwnership(shard.id(), Path.of(shard.map()));
    }
}
