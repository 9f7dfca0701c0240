package io.sightline.uplink.it;

import io.sightline.cloud.SightlineCloudApplication;
import io.sightline.testkit.TestPostgres;
import java.util.HashMap;
import java.util.Map;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/** One real cloud replica (the query-api Spring context) on a test database; closing it is killing the replica. */
final class CloudNode implements AutoCloseable {

    private final ConfigurableApplicationContext context;

    private CloudNode(ConfigurableApplicationContext context) {
        this.context = context;
    }

    /**
     * @param mqttUrl   broker to subscribe to, or {@code null} for no MQTT ingestion
     * @param topicRoot this run's own first topic level, so concurrent runs on one broker stay apart
     */
    static CloudNode start(TestPostgres.Database db, boolean web, String mqttUrl, String topicRoot, String shareGroup) {
        Map<String, Object> p = new HashMap<>();
        p.put("spring.datasource.url", db.jdbcUrl());
        p.put("spring.datasource.username", db.user());
        p.put("spring.datasource.password", db.password());
        p.put("spring.datasource.hikari.maximum-pool-size", "5");
        p.put("server.port", "0");
        p.put("sightline.ingest.mqtt.enabled", String.valueOf(mqttUrl != null));
        if (mqttUrl != null) {
            p.put("sightline.ingest.mqtt.url", mqttUrl);
            p.put("sightline.ingest.mqtt.topic-root", topicRoot);
            p.put("sightline.ingest.mqtt.share-group", shareGroup);
        }
        p.put("logging.level.org.axonframework", "WARN");
        p.put("logging.level.org.springframework", "WARN");
        p.put("logging.level.org.flywaydb", "WARN");
        p.put("logging.level.com.zaxxer", "WARN");
        p.put("logging.level.org.apache", "WARN");
        p.put("logging.level.io.sightline.cloud", "WARN");
        p.put("logging.level.io.sightline.cloud.ingest", "INFO");
        // As arguments, not builder defaults: defaults rank below the application's own property files.
        String[] args = p.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()).toArray(String[]::new);
        ConfigurableApplicationContext ctx = new SpringApplicationBuilder(SightlineCloudApplication.class)
                .web(web ? WebApplicationType.SERVLET : WebApplicationType.NONE)
                .run(args);
        return new CloudNode(ctx);
    }

    <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    JdbcTemplate jdbc() {
        return context.getBean(JdbcTemplate.class);
    }

    int port() {
        return Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
    }

    @Override
    public void close() {
        context.close();
    }
}
