package io.sightline.app.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sightline.app.CliRun;
import io.sightline.testkit.ProjectHomeExtension;
import io.sightline.app.replay.SessionReplay.AlertAt;
import io.sightline.app.replay.SessionReplay.Diff;
import io.sightline.app.replay.SessionReplay.Recorded;
import io.sightline.runtime.AssumedDrive;
import io.sightline.runtime.EdgePipeline;
import io.sightline.app.run.LocalRun;
import io.sightline.runtime.RunReport;
import io.sightline.domain.event.AlertRaised;
import io.sightline.domain.event.DetectionObserved;
import io.sightline.domain.event.DriveSessionStarted;
import io.sightline.domain.event.EventCatalog;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.event.InputRejected;
import io.sightline.domain.event.ModelActivated;
import io.sightline.domain.event.VehicleStateSampled;
import io.sightline.domain.ingest.EventCodec;
import io.sightline.edge.risk.RiskPolicy;
import io.sightline.app.clip.HazardClipCommand;
import io.sightline.inference.ProjectHome;
import io.sightline.uplink.journal.EdgeJournal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sightline replay} on a session the real pipeline recorded from the bundled clip
 * ({@code ./sightline run}'s default video and model, YOLOX-nano, which warns of the slower lead):
 * real decoding, real ONNX inference, the real projector, the SQLite journal.
 */
@ExtendWith(ProjectHomeExtension.class)
class ReplayTest {

    static final String SESSION = "run-replay-test-1";
    static final long START_NANOS = 1_780_000_000_000_000_000L;
    /** Wall-clock and timing events: their payloads hold the edge's clock or a measured duration, not a decision. */
    static final Set<String> TIMED = Set.of("ModelActivated", "StageDeadlineMissed", "FramesDropped", "DriveSessionEnded",
            "EdgeWindowSummarized");

    @TempDir
    static Path dir;
    static Path journalFile;
    static RunReport report;
    static Recorded recorded;

    static EdgePipeline.Options options() {
        return new EdgePipeline.Options(ProjectHome.get().resolve(HazardClipCommand.DEFAULT_OUT).toString(), "yolox-nano", null,
                false, false, AssumedDrive.EGO_SPEED_MPS, 1, 0, LocalRun.FLEET_ID, LocalRun.VEHICLE_ID, "test-edge-replay", "test");
    }

    static RunReport record(Path journal) throws Exception {
        try (EdgeJournal j = EdgeJournal.open(journal, EdgePipeline.JOURNAL_BUDGET_BYTES);
             EdgePipeline pipeline = EdgePipeline.open(options()).session(SESSION, START_NANOS)) {
            return pipeline.run(j, EdgePipeline.ProgressListener.NONE);
        }
    }

    @BeforeAll
    static void recordTheBundledClip() throws Exception {
        journalFile = dir.resolve("journal.db");
        report = record(journalFile);
        recorded = RecordedSessions.fromJournal(journalFile, SESSION);
        assertThat(recorded.events().stream().filter(e -> e.payload() instanceof AlertRaised)).as("the clip's FCW").isNotEmpty();
    }

    /** (id, type, payload JSON) of every event whose payload holds no wall-clock time or measured duration. */
    static List<String> wire(Recorded r) throws Exception {
        var json = new EventCodec().mapper();
        List<String> out = new ArrayList<>();
        for (EventEnvelope e : r.events()) {
            String type = EventCatalog.nameOf(e.payload());
            out.add(e.eventId() + " " + type + (TIMED.contains(type) ? "" : " " + json.writeValueAsString(e.payload())));
        }
        return out;
    }

    @Test
    void twoRunsOfTheSameClipInTheSameSessionGiveByteIdenticalEvents() throws Exception {
        Path second = dir.resolve("second.db");
        record(second);
        List<String> first = wire(recorded);
        List<String> again = wire(RecordedSessions.fromJournal(second, SESSION));
        // timing events (deadline misses) may differ between runs; everything else is equal, in order, the window
        // summaries by id and place (their latencies are measured)
        assertThat(again.stream().filter(l -> !l.contains(" StageDeadlineMissed")).toList())
                .isEqualTo(first.stream().filter(l -> !l.contains(" StageDeadlineMissed")).toList());
        assertThat(first).anyMatch(l -> l.contains(" EdgeWindowSummarized"));
        assertThat(first).anyMatch(l -> l.contains(" DetectionObserved ")).anyMatch(l -> l.contains(" AlertRaised "));
    }

    @Test
    void theSameBuildReplaysTheRecordedSessionWithZeroDiff() {
        SessionReplay.Outcome o = SessionReplay.replay(recorded, SessionReplay.Settings.recorded());
        Diff d = SessionReplay.diff(o);
        assertThat(d.examples()).isEmpty();
        assertThat(d.identical()).isTrue();
        assertThat(d.alertsLost()).isEmpty();
        assertThat(d.alertsGained()).isEmpty();
        assertThat(o.frames()).isEqualTo(report.framesCaptured());
        assertThat(d.byType().get("RiskAssessed").replayed).isEqualTo(report.count("RiskAssessed"));
        assertThat(d.byType().get("AlertRaised").replayed).isPositive();

        CliRun run = CliRun.of("replay", "--session", SESSION, "--journal", journalFile.toString(), "--diff");
        assertThat(run.exit()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).contains("identical").contains("alerts lost (recorded, not raised by the replay): none");
    }

    @Test
    void aLowerForwardCollisionThresholdLosesTheWarningAndSaysWhen() throws Exception {
        RiskPolicy defaults = RiskPolicy.defaults();
        RiskPolicy.ForwardCollision f = defaults.forwardCollision();
        RiskPolicy lower = new RiskPolicy("test-fcw-0.3s", defaults.egoHalfWidthM(),
                new RiskPolicy.ForwardCollision(0.3, f.ttcClearS(), f.minEgoSpeedMps(), f.corridorMarginM(), f.minTrackAgeS(),
                        f.maxTtcSigmaS(), f.hardBrakingDecelMps2()),
                defaults.followingDistance(), defaults.vulnerableRoadUser());
        List<AlertRaised> recordedFcw = recorded.events().stream().map(EventEnvelope::payload)
                .filter(p -> p instanceof AlertRaised a && a.kind().equals("FORWARD_COLLISION")).map(AlertRaised.class::cast).toList();
        assertThat(recordedFcw).isNotEmpty();

        Diff d = SessionReplay.diff(SessionReplay.replay(recorded, new SessionReplay.Settings(lower,
                ReplayCommand.tracker("default"), null)));
        assertThat(d.identical()).isFalse();
        assertThat(d.alertsLost()).extracting(AlertAt::kind).contains("FORWARD_COLLISION");
        assertThat(d.alertsLost().stream().filter(a -> a.kind().equals("FORWARD_COLLISION")).map(AlertAt::raisedAtNanos).toList())
                .containsExactlyElementsOf(recordedFcw.stream().map(AlertRaised::raisedAtNanos).toList());
        assertThat(d.alertsGained()).noneMatch(a -> a.kind().equals("FORWARD_COLLISION"));
        AlertAt lost = d.alertsLost().stream().filter(a -> a.kind().equals("FORWARD_COLLISION")).findFirst().orElseThrow();
        assertThat(lost.atS()).isEqualTo((recordedFcw.get(0).raisedAtNanos() - START_NANOS) / 1e9);
        // every assessment names the other policy version: all changed, none added or removed
        assertThat(d.byType().get("RiskAssessed").changed).isEqualTo(d.byType().get("RiskAssessed").recorded);

        Path policy = dir.resolve("fcw-0.3s.json");
        Files.writeString(policy, lower.toJson());
        CliRun run = CliRun.of("replay", "--session", SESSION, "--journal", journalFile.toString(), "--policy", policy.toString(),
                "--diff");
        assertThat(run.exit()).as(run.out() + run.err()).isEqualTo(ReplayCommand.EXIT_DIFFERS);
        assertThat(run.out()).contains("policy test-fcw-0.3s (from --policy)")
                .contains(String.format(java.util.Locale.ROOT, "FORWARD_COLLISION %s on %s at %.3f s", lost.level(), lost.trackId(),
                        lost.atS()));
    }

    /** A copy of the recorded session in a journal of its own, each event passed through {@code edit} (null drops it). */
    static Path copy(String name, UnaryOperator<EventEnvelope> edit) {
        Path file = dir.resolve(name + ".db");
        try (EdgeJournal j = EdgeJournal.open(file, EdgePipeline.JOURNAL_BUDGET_BYTES)) {
            List<EdgeJournal.NewEvent> events = new ArrayList<>();
            for (EventEnvelope e : recorded.events()) {
                EventEnvelope kept = edit.apply(e);
                if (kept != null) {
                    events.add(new EdgeJournal.NewEvent(kept.eventId(), kept.occurredAtNanos(), kept.payload()));
                }
            }
            j.append(SESSION, events);
        }
        return file;
    }

    @Test
    void replayRefusesASessionWithoutModelActivationOrCalibrationAndAnUnknownSession() {
        Path noModel = copy("no-model", e -> e.payload() instanceof ModelActivated ? null : e);
        assertThatThrownBy(() -> SessionReplay.replay(RecordedSessions.fromJournal(noModel, SESSION), SessionReplay.Settings.recorded()))
                .isInstanceOf(SessionReplay.RefusedException.class).hasMessageContaining("no ModelActivated");
        CliRun run = CliRun.of("replay", "--session", SESSION, "--journal", noModel.toString(), "--diff");
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains("no ModelActivated").contains("--jdbc-url");

        Path noStart = copy("no-start", e -> e.payload() instanceof DriveSessionStarted ? null : e);
        run = CliRun.of("replay", "--session", SESSION, "--journal", noStart.toString());
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains("no DriveSessionStarted").contains("calibration");

        Path noCalibration = copy("no-calibration", e -> e.payload() instanceof DriveSessionStarted s
                ? new EventEnvelope(e.eventId(), e.sequence(), e.occurredAtNanos(), new DriveSessionStarted(s.sessionId(), s.fleetId(),
                        s.vehicleId(), s.deviceId(), s.softwareVersion(), s.startTimeNanos(), null, s.policyVersion(),
                        s.policyThresholds()))
                : e);
        // the journal's codec already refuses a DriveSessionStarted without its required calibration
        assertThatThrownBy(() -> SessionReplay.replay(RecordedSessions.fromJournal(noCalibration, SESSION),
                SessionReplay.Settings.recorded())).isInstanceOf(SessionReplay.RefusedException.class)
                .hasMessageContaining("DriveSessionStarted").hasMessageContaining("missing required field 'calibration'")
                .hasMessageContaining("record the session again");
        run = CliRun.of("replay", "--session", SESSION, "--journal", noCalibration.toString(), "--diff");
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains("calibration");

        run = CliRun.of("replay", "--session", "run-nope", "--journal", journalFile.toString(), "--diff");
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains("unknown session run-nope").contains(SESSION);
    }

    @Test
    void refusedInputsAreReplayedAsInputRejectedEvents() {
        String[] refusedState = new String[1];
        String[] refusedDetection = new String[1];
        Path bad = copy("bad-inputs", e -> {
            if (refusedState[0] == null && e.payload() instanceof VehicleStateSampled v) {
                refusedState[0] = e.eventId();
                return new EventEnvelope(e.eventId(), e.sequence(), e.occurredAtNanos(), new VehicleStateSampled(v.sampleTimeNanos(),
                        -1.0, v.yawRateRadps(), v.longitudinalAccelMps2(), v.latitudeDeg(), v.longitudeDeg(), v.source()));
            }
            if (refusedDetection[0] == null && e.payload() instanceof DetectionObserved d) {
                refusedDetection[0] = e.eventId();
                return new EventEnvelope(e.eventId(), e.sequence(), e.occurredAtNanos(), new DetectionObserved(d.detectionId(),
                        d.frameId(), d.classId(), d.className(), 1.5, d.boxPx(), d.modelName(), d.modelVersion(), d.modelSha256(),
                        d.causes()));
            }
            return e;
        });
        SessionReplay.Outcome o = SessionReplay.replay(RecordedSessions.fromJournal(bad, SESSION), SessionReplay.Settings.recorded());
        List<InputRejected> rejected = o.replayed().stream().map(SessionReplay.Produced::payload)
                .filter(InputRejected.class::isInstance).map(InputRejected.class::cast).toList();
        assertThat(rejected).extracting(InputRejected::inputId).containsExactlyInAnyOrder(refusedState[0], refusedDetection[0]);
        assertThat(rejected).allSatisfy(r -> assertThat(r.causes()).containsExactly(r.inputId()));
        assertThat(rejected).extracting(InputRejected::reason)
                .anySatisfy(r -> assertThat(r).contains("negative")).anySatisfy(r -> assertThat(r).contains("score"));
        Diff d = SessionReplay.diff(o);
        assertThat(d.byType().get("InputRejected").added).isEqualTo(2);
    }
}
