package io.sightline.cloud.notify;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.cloud.projection.AlertsProjection;
import io.sightline.testkit.TestBroker;
import io.sightline.testkit.TestPostgres;
import org.axonframework.config.EventProcessingConfiguration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A replica with projections off (ingestion and API only) sends the outbox but runs no alerts
 * processor: a notifier alone there would start an {@code alerts} processor that claims segments
 * whose events the alerts projection, on another replica, then never sees.
 */
@SpringBootTest(properties = {"sightline.embedded-postgres.enabled=false", "sightline.alerts.mqtt.enabled=true",
        "sightline.projections.enabled=false"})
class AlertNotifierPlacementTest {

    private static final TestPostgres.Database DB = TestPostgres.freshDatabase("alert_placement");

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        DB.springDataSource().forEach(registry::add);
        registry.add("sightline.alerts.mqtt.url", TestBroker::url);
    }

    @Autowired
    ApplicationContext context;
    @Autowired
    EventProcessingConfiguration processing;

    @Test
    void aReplicaWithoutProjectionsPublishesButRunsNoAlertsProcessor() {
        assertThat(context.getBeansOfType(AlertPublisher.class)).hasSize(1);
        assertThat(context.getBeansOfType(AlertNotifier.class)).isEmpty();
        assertThat(processing.eventProcessor(AlertsProjection.NAME)).isEmpty();
    }
}
