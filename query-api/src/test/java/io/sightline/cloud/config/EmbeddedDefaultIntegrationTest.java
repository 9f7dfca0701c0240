package io.sightline.cloud.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.cloud.SightlineCloudApplication;
import io.sightline.cloud.ingest.IngestionService;
import io.sightline.domain.event.CameraCalibration;
import io.sightline.domain.event.DriveSessionStarted;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.event.FrameCaptured;
import io.sightline.domain.session.BatchAck;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/** With no datasource configured the application runs on an embedded PostgreSQL whose data survives a restart. */
class EmbeddedDefaultIntegrationTest {

    private static ConfigurableApplicationContext start(Path dataDir) {
        return new SpringApplicationBuilder(SightlineCloudApplication.class)
                .web(WebApplicationType.NONE)
                .properties("sightline.embedded-postgres.data-dir=" + dataDir, "sightline.projections.enabled=false")
                .run();
    }

    @Test
    void dataSurvivesARestartOfTheApplication(@TempDir Path dataDir) {
        long t0 = 1_764_000_000_000_000_000L;
        List<EventEnvelope> events = List.of(
                new EventEnvelope("e/0", 0, t0, new DriveSessionStarted("emb-1", "fleet", "veh", "dev", "0.1.0", t0,
                        new CameraCalibration("cal", 700, 700, 480, 270, 960, 540, 1.3, 0, true), "policy-v1", Map.of())),
                new EventEnvelope("e/1", 1, t0 + 1, new FrameCaptured("f1", 1, 40_000_000L, 960, 540, "clip")));
        try (ConfigurableApplicationContext first = start(dataDir)) {
            assertThat(first.getEnvironment().getProperty("spring.datasource.url")).contains("jdbc:postgresql://localhost:");
            first.getBean(IngestionService.class).append("emb-1", 0, events);
        }
        try (ConfigurableApplicationContext second = start(dataDir)) {
            Long stored = second.getBean(JdbcTemplate.class)
                    .queryForObject("select count(*) from domain_event_entry where aggregate_identifier = 'emb-1'", Long.class);
            assertThat(stored).isEqualTo(2);
            BatchAck resent = second.getBean(IngestionService.class).append("emb-1", 0, events);
            assertThat(resent.duplicateCount()).isEqualTo(2);
            assertThat(resent.nextExpectedSequence()).isEqualTo(2);
        }
    }
}
