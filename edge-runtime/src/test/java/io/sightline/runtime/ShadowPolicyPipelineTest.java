package io.sightline.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.domain.event.AlertRaised;
import io.sightline.domain.event.DetectionObserved;
import io.sightline.domain.event.DriveSessionEnded;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.event.FrameCaptured;
import io.sightline.domain.event.ModelActivated;
import io.sightline.domain.event.RiskAssessed;
import io.sightline.domain.event.ShadowAlertRaised;
import io.sightline.domain.event.ShadowDetectionsObserved;
import io.sightline.domain.event.ShadowRiskAssessed;
import io.sightline.domain.event.ShadowTracksUpdated;
import io.sightline.domain.event.SightlineEvent;
import io.sightline.domain.ingest.EventCodec;
import io.sightline.edge.risk.RiskPolicy;
import io.sightline.inference.ProjectHome;
import io.sightline.testkit.ProjectHomeExtension;
import io.sightline.uplink.journal.EdgeJournal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A policy-only shadow challenger in the real edge runtime (issue 17 §3, ADR-0043): FastestDet is the
 * champion on the bundled slower-lead clip; the challenger is a risk policy alone, which decides on
 * the champion's own boxes with no second inference, and whose version every shadow decision records.
 */
@ExtendWith(ProjectHomeExtension.class)
class ShadowPolicyPipelineTest {

    static final long START_NANOS = 1_800_000_000_000_000_000L;

    @TempDir
    Path dir;

    /** The default thresholds under another version, with the forward-collision warning raised at {@code ttcRaiseS}. */
    static RiskPolicy challenger(String version, double ttcRaiseS) {
        RiskPolicy d = RiskPolicy.defaults();
        RiskPolicy.ForwardCollision f = d.forwardCollision();
        return new RiskPolicy(version, d.egoHalfWidthM(), new RiskPolicy.ForwardCollision(ttcRaiseS, ttcRaiseS + 0.5, f.minEgoSpeedMps(),
                f.corridorMarginM(), f.minTrackAgeS(), f.maxTtcSigmaS(), f.hardBrakingDecelMps2()), d.followingDistance(), d.vulnerableRoadUser());
    }

    private List<EventEnvelope> run(String journalName, RiskPolicy shadowPolicy, long[] counts) throws Exception {
        EdgePipeline.Options options = new EdgePipeline.Options(ProjectHome.get().resolve(ShadowPipelineTest.CLIP).toString(), "fastestdet",
                null, false, null, AssumedDrive.EGO_SPEED_MPS, 1, 0, EdgeDefaults.FLEET_ID, EdgeDefaults.VEHICLE_ID, "shadow-edge-01", "test");
        List<EventEnvelope> journaled = new ArrayList<>();
        try (EdgeJournal journal = EdgeJournal.open(dir.resolve(journalName), EdgePipeline.JOURNAL_BUDGET_BYTES);
             EdgePipeline pipeline = EdgePipeline.open(options, 1.0)) {
            pipeline.session("shadow-policy-session", START_NANOS);
            if (shadowPolicy != null) {
                // Lossless: the comparison below needs every frame; on a vehicle the hand-over never blocks the champion.
                pipeline.shadowPolicy(shadowPolicy, new ShadowStage.Options(0.25, 0, true));
                assertThat(pipeline.shadowModelName()).isEqualTo("policy-only with policy " + shadowPolicy.version());
            }
            RunReport report = pipeline.run(journal, EdgePipeline.ProgressListener.NONE);
            EventCodec codec = new EventCodec();
            for (EdgeJournal.StoredEvent e : journal.read(report.sessionId(), 0, Integer.MAX_VALUE, Long.MAX_VALUE)) {
                journaled.add(codec.decode(codec.mapper().readTree(e.wireJson())));
            }
            if (counts != null) {
                counts[0] = pipeline.shadowFramesShadowed();
                counts[1] = pipeline.shadowFramesDropped();
            }
        }
        return journaled;
    }

    private static <T extends SightlineEvent> List<T> of(List<EventEnvelope> events, Class<T> type) {
        return events.stream().map(EventEnvelope::payload).filter(type::isInstance).map(type::cast).toList();
    }

    @Test
    void aPolicyOnlyChallengerDecidesOnTheChampionsBoxesWithItsOwnVersionAndChangesNothingOfTheChampion() throws Exception {
        List<EventEnvelope> alone = run("alone.db", null, null);
        long[] counts = new long[2];
        // Warns at a TTC of 4.5 s where the champion's policy warns at 3.4 s.
        RiskPolicy early = challenger("sightline-risk-early-warning", 4.5);
        List<EventEnvelope> beside = run("policy.db", early, counts);

        List<EventEnvelope> championAlone = alone.stream().filter(e -> ShadowPipelineTest.CHAMPION_DECISIONS.contains(e.payload().getClass()))
                .toList();
        List<EventEnvelope> championBeside = beside.stream().filter(e -> ShadowPipelineTest.CHAMPION_DECISIONS.contains(e.payload().getClass()))
                .toList();
        assertThat(of(alone, AlertRaised.class)).as("the champion alerts on this clip").isNotEmpty();
        assertThat(championBeside).extracting(EventEnvelope::eventId).containsExactlyElementsOf(
                championAlone.stream().map(EventEnvelope::eventId).toList());
        assertThat(championBeside).extracting(EventEnvelope::payload).containsExactlyElementsOf(
                championAlone.stream().map(EventEnvelope::payload).toList());
        assertThat(of(beside, RiskAssessed.class)).as("the champion decides with its own policy")
                .allSatisfy(r -> assertThat(r.policyVersion()).isEqualTo(RiskPolicy.defaults().version()));

        // No second model: no shadow activation, and the shadow's boxes are the champion's, frame by frame, with no inference.
        ModelActivated primary = of(beside, ModelActivated.class).stream().filter(m -> m.role().equals("primary")).findFirst().orElseThrow();
        assertThat(of(beside, ModelActivated.class)).noneSatisfy(m -> assertThat(m.role()).isEqualTo("shadow"));
        Set<String> frames = beside.stream().filter(e -> e.payload() instanceof FrameCaptured).map(EventEnvelope::eventId)
                .collect(Collectors.toSet());
        List<ShadowDetectionsObserved> shadowed = of(beside, ShadowDetectionsObserved.class);
        assertThat(shadowed).hasSize(frames.size());
        assertThat(counts[0]).isEqualTo(frames.size());
        assertThat(counts[1]).isZero();
        Map<String, List<DetectionObserved>> championBoxes = of(beside, DetectionObserved.class).stream()
                .collect(Collectors.groupingBy(DetectionObserved::frameId));
        assertThat(shadowed).allSatisfy(d -> {
            assertThat(d.modelSha256()).isEqualTo(primary.modelSha256());
            assertThat(d.inferenceNanos()).isZero();
            assertThat(d.detectCpuNanos()).isZero();
            assertThat(d.detections()).extracting(ShadowDetectionsObserved.Box::boxPx).containsExactlyElementsOf(
                    championBoxes.getOrDefault(d.frameId(), List.of()).stream().map(DetectionObserved::boxPx).toList());
        });
        assertThat(of(beside, ShadowTracksUpdated.class)).hasSize(frames.size())
                .allSatisfy(t -> assertThat(t.modelSha256()).isEqualTo(primary.modelSha256()));

        // Every shadow decision names the challenger policy; the earlier threshold warns before the champion.
        assertThat(of(beside, ShadowRiskAssessed.class)).isNotEmpty()
                .allSatisfy(r -> assertThat(r.policyVersion()).isEqualTo("sightline-risk-early-warning"));
        List<ShadowAlertRaised> shadowAlerts = of(beside, ShadowAlertRaised.class);
        assertThat(shadowAlerts).isNotEmpty().allSatisfy(a -> {
            assertThat(a.policyVersion()).isEqualTo("sightline-risk-early-warning");
            assertThat(a.modelSha256()).isEqualTo(primary.modelSha256());
        });
        AlertRaised championFcw = of(beside, AlertRaised.class).stream().filter(a -> a.kind().equals("FORWARD_COLLISION")).findFirst()
                .orElseThrow();
        ShadowAlertRaised shadowFcw = shadowAlerts.stream().filter(a -> a.kind().equals("FORWARD_COLLISION")).findFirst().orElseThrow();
        assertThat(shadowFcw.raisedAtNanos()).as("the 4.5 s threshold warns earlier than 3.4 s on the same tracks")
                .isLessThan(championFcw.raisedAtNanos());
        assertThat(shadowFcw.ttcS()).isGreaterThan(3.4).isLessThanOrEqualTo(4.5);
        assertThat(new HashSet<>(beside.stream().map(EventEnvelope::eventId).toList())).hasSize(beside.size());
        assertThat(of(beside, DriveSessionEnded.class).get(0).endReason()).doesNotContain("error");
    }

    @Test
    void aPolicyOnlyChallengerWithTheChampionsThresholdsRaisesTheChampionsAlerts() throws Exception {
        // Same thresholds, another version: on the same boxes its own tracker and policy must reach the same alerts at the same times.
        RiskPolicy same = challenger("sightline-risk-same-thresholds", RiskPolicy.defaults().forwardCollision().ttcRaiseS());
        List<EventEnvelope> beside = run("same.db", new RiskPolicy(same.version(), RiskPolicy.defaults().egoHalfWidthM(),
                RiskPolicy.defaults().forwardCollision(), RiskPolicy.defaults().followingDistance(), RiskPolicy.defaults().vulnerableRoadUser()),
                null);
        List<String> champion = of(beside, AlertRaised.class).stream().map(a -> a.kind() + "@" + a.raisedAtNanos()).toList();
        List<String> shadow = of(beside, ShadowAlertRaised.class).stream().map(a -> a.kind() + "@" + a.raisedAtNanos()).toList();
        assertThat(champion).isNotEmpty();
        assertThat(shadow).containsExactlyElementsOf(champion);
    }
}
