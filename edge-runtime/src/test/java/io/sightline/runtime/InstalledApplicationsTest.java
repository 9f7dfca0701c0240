package io.sightline.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sightline.domain.event.DriveSessionStarted;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.event.RiskAssessed;
import io.sightline.domain.ingest.EventCodec;
import io.sightline.edge.app.rollingstop.RollingStopApplication;
import io.sightline.edge.app.rollingstop.RollingStopPolicy;
import io.sightline.testkit.ProjectHomeExtension;
import io.sightline.uplink.journal.EdgeJournal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * An edge that installs only some safety applications (ADR-0029, `edge --applications`): the
 * session records only their thresholds, so a cloud host knows which ones it may run, and no
 * decision of a left-out application is made; an unknown name is refused with the list.
 */
@ExtendWith(ProjectHomeExtension.class)
class InstalledApplicationsTest {

    @TempDir
    Path dir;

    @Test
    void theSessionRecordsOnlyTheInstalledApplicationsThresholds() throws Exception {
        List<EventEnvelope> events = new ArrayList<>();
        try (EdgeJournal journal = EdgeJournal.open(dir.resolve("journal.db"), 64L << 20);
             EdgePipeline pipeline = EdgePipeline.open(WindowSummariesTest.options())) {
            RunReport report = pipeline.applications(List.of("forward-collision", "following-distance", "vulnerable-road-user"))
                    .run(journal, EdgePipeline.ProgressListener.NONE);
            EventCodec codec = new EventCodec();
            for (EdgeJournal.StoredEvent e : journal.read(report.sessionId(), 0, 100_000, Long.MAX_VALUE)) {
                events.add(codec.decode(codec.mapper().readTree(e.wireJson())));
            }
        }
        DriveSessionStarted start = (DriveSessionStarted) events.get(0).payload();
        assertThat(start.policyThresholds()).containsKey(io.sightline.domain.risk.ThresholdKey.FCW_TTC_RAISE_S.key())
                .doesNotContainKeys(new RollingStopApplication(RollingStopPolicy.defaults()).thresholds().keySet().toArray(String[]::new));
        assertThat(events).extracting(EventEnvelope::payload).filteredOn(RiskAssessed.class::isInstance)
                .allSatisfy(r -> assertThat(((RiskAssessed) r).ruleName()).isNotEqualTo("ROLLING_STOP"));
    }

    @Test
    void anUnknownApplicationIsRefusedWithTheAvailableOnes() throws Exception {
        try (EdgePipeline pipeline = EdgePipeline.open(WindowSummariesTest.options())) {
            assertThatThrownBy(() -> pipeline.applications(List.of("forward-collision", "lane-departure")))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("[lane-departure]")
                    .hasMessageContaining("rolling-stop");
        }
    }
}
