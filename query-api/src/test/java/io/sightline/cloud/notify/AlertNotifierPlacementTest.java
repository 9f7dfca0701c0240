package io.sightline.cloud.notify;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.cloud.projection.AlertsProjection;
import io.sightline.cloud.testing.CloudIntegrationTest;
import io.sightline.testkit.TestBroker;
import org.axonframework.config.EventProcessingConfiguration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A replica with projections off (ingestion and API only) sends the outbox but runs no alerts
 * processor: a notifier alone there would start an {@code alerts} processor that claims segments
 * whose events the alerts projection, on another replica, then never sees.
 */
@CloudIntegrationTest(properties = {"sightline.alerts.mqtt.enabled=true", "sightline.projections.enabled=false"})
class AlertNotifierPlacementTest {

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
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
