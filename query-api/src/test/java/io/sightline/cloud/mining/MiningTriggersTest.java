package io.sightline.cloud.mining;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.cloud.api.AlertReadModel.MissedReport;
import io.sightline.domain.event.AlertRaised;
import io.sightline.domain.event.BoxPx;
import io.sightline.domain.event.DetectionObserved;
import io.sightline.domain.event.FrameCaptured;
import io.sightline.domain.event.RiskAssessed;
import io.sightline.domain.event.RiskFactor;
import io.sightline.domain.event.SightlineEvent;
import io.sightline.domain.event.TrackStarted;
import io.sightline.domain.event.TrackState;
import io.sightline.domain.event.TrackUpdated;
import io.sightline.domain.event.VehicleStateSampled;
import io.sightline.explain.StoredEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Each trigger on a session made to fire it, and on the same session made not to: the triggers are
 * pure functions of the events, so the events are built here as the edge writes them (ids, causes,
 * edge times at 25 frames/s).
 */
class MiningTriggersTest {

    static final long T0 = 1_800_000_000_000_000_000L;
    static final long FRAME_NANOS = 40_000_000L;
    static final BoxPx BOX = new BoxPx(400, 300, 480, 360);

    /** Builds one session's events in order. */
    static final class Session {
        final List<StoredEvent> events = new ArrayList<>();
        final List<MinedSession.FalsePositive> falsePositives = new ArrayList<>();
        final List<MissedReport> misses = new ArrayList<>();

        Session(int frames) {
            for (int i = 0; i < frames; i++) {
                add("f" + i, T0 + i * FRAME_NANOS, new FrameCaptured("fr" + i, i, i * FRAME_NANOS, 960, 540, "clip.mp4"));
            }
        }

        String add(String id, long t, SightlineEvent e) {
            events.add(new StoredEvent(id, "s1", events.size(), events.size(), t, e));
            return id;
        }

        String detection(int frame, String id, String cls, double score) {
            return add(id, T0 + frame * FRAME_NANOS, new DetectionObserved(id, "fr" + frame, cls.equals("person") ? 0 : 2, cls, score, BOX,
                    "yolox-nano", "1", "a".repeat(64), List.of("f" + frame)));
        }

        String update(int frame, String id, String cls, TrackState state, List<String> causes) {
            return add(id, T0 + frame * FRAME_NANOS, new TrackUpdated("trk-1", "fr" + frame, cls, BOX, 0, 0, state, 3, 3, 0.8, causes));
        }

        MinedSession mined() {
            events.sort(java.util.Comparator.comparingLong(StoredEvent::occurredAtNanos).thenComparingLong(StoredEvent::sequence));
            return new MinedSession("s1", "v1", "policy-1", events, falsePositives, misses);
        }
    }

    /** Frame event id → the reasons a trigger gave. */
    static Map<String, List<String>> scan(MiningTrigger trigger, MinedSession session) {
        Map<String, List<String>> hits = new TreeMap<>();
        trigger.scan(session, (frame, weight, text, alertId, ids) -> {
            assertThat(weight).isPositive();
            assertThat(ids).isNotEmpty();
            hits.computeIfAbsent(frame, k -> new ArrayList<>()).add(text);
        });
        return hits;
    }

    @Test
    void hardBrakingWithoutAWarningTakesTheTwoSecondsBefore() {
        Session s = new Session(100);
        s.add("vs", T0 + 75 * FRAME_NANOS, new VehicleStateSampled(T0 + 75 * FRAME_NANOS, 20, null, -5.5, null, null, "can"));
        s.add("vs-gentle", T0 + 80 * FRAME_NANOS, new VehicleStateSampled(T0 + 80 * FRAME_NANOS, 19, null, -3.9, null, null, "can"));
        Map<String, List<String>> hits = scan(new HardBrakingWithoutWarningTrigger(), s.mined());
        // 2.0 s at 25 frames/s before frame 75, both ends included: frames 25..75.
        assertThat(hits.keySet()).hasSize(51).contains("f25", "f75").doesNotContain("f24", "f76");
        assertThat(hits.get("f50").get(0)).contains("5.5 m/s²");

        Session warned = new Session(100);
        warned.add("vs", T0 + 75 * FRAME_NANOS, new VehicleStateSampled(T0 + 75 * FRAME_NANOS, 20, null, -5.5, null, null, "can"));
        warned.add("alert", T0 + 60 * FRAME_NANOS, new AlertRaised("a1", "FORWARD_COLLISION", "WARNING", "trk-1", "p", T0, List.of("r")));
        assertThat(scan(new HardBrakingWithoutWarningTrigger(), warned.mined())).as("a warning came 0.6 s before").isEmpty();
    }

    @Test
    void aLowScoreDetectionKeptByAConfirmedTrackIsTheSecondStages() {
        Session s = new Session(3);
        String low = s.detection(1, "d-low", "car", 0.42);
        s.update(1, "u1", "car", TrackState.CONFIRMED, List.of(low, "u0"));
        String high = s.detection(2, "d-high", "car", 0.81);
        s.update(2, "u2", "car", TrackState.CONFIRMED, List.of(high, "u1"));
        Map<String, List<String>> hits = scan(new SecondStageLowScoreTrigger(), s.mined());
        assertThat(hits.keySet()).containsExactly("f1");
        assertThat(hits.get("f1").get(0)).contains("0.42");
    }

    @Test
    void aCoastingTrackAndAClassChangeAreFound() {
        Session s = new Session(4);
        String d0 = s.detection(0, "d0", "car", 0.9);
        s.add("st", T0, new TrackStarted("trk-1", "fr0", "car", BOX, 0.9, List.of(d0)));
        s.update(0, "u0", "car", TrackState.CONFIRMED, List.of(d0, "st"));
        s.update(1, "u1", "car", TrackState.LOST, List.of("u0"));
        String d2 = s.detection(2, "d2", "truck", 0.9);
        s.update(2, "u2", "truck", TrackState.CONFIRMED, List.of(d2, "u1"));
        String d3 = s.detection(3, "d3", "truck", 0.9);
        s.update(3, "u3", "truck", TrackState.CONFIRMED, List.of(d3, "u2"));
        MinedSession mined = s.mined();
        assertThat(scan(new MissedDetectionTrigger(), mined).keySet()).containsExactly("f1");
        Map<String, List<String>> changes = scan(new ClassChangeTrigger(), mined);
        assertThat(changes.keySet()).containsExactly("f2");
        assertThat(changes.get("f2").get(0)).contains("from car to truck");
    }

    @Test
    void aDecisionNearItsThresholdIsNearFlippingAndOneFarFromItIsNot() {
        Session s = new Session(3);
        s.add("r1", T0 + FRAME_NANOS, assessment("fr1", "WARNING", 1.95));
        s.add("r2", T0 + 2 * FRAME_NANOS, assessment("fr2", "NONE", 6.0));
        Map<String, List<String>> hits = scan(new NearFlipTrigger(), s.mined());
        assertThat(hits.keySet()).containsExactly("f1");
        assertThat(hits.get("f1").get(0)).contains("FORWARD_COLLISION alert").contains("2.5 % of flipping");
    }

    /** A forward-collision assessment whose TTC factor (threshold 2.0 s) alone decides; the gates hold. */
    static RiskAssessed assessment(String frameId, String level, double ttcS) {
        boolean ttcHolds = ttcS <= 2.0;
        List<RiskFactor> factors = List.of(
                new RiskFactor("fcw.ttc", ttcS, "s", "<=", 2.0, 2.0 - ttcS, ttcHolds),
                new RiskFactor("fcw.egoSpeed", 25, "m/s", ">=", 8.3, 25 - 8.3, true),
                new RiskFactor("fcw.trackAge", 3, "s", ">=", 0.3, 2.7, true));
        return new RiskAssessed("ra-" + frameId, frameId, "trk-1", "FORWARD_COLLISION", "p", level, 30, 15, 0, ttcS, 25, factors,
                List.of("u"));
    }

    @Test
    void reviewedFramesComeFromTheTraceAndTheMissWindow() {
        Session s = new Session(100);
        s.falsePositives.add(new MinedSession.FalsePositive("a1", "alert-event", "FORWARD_COLLISION", List.of("f10", "f11", "not-in-window")));
        s.misses.add(new MissedReport("m1", "s1", "FORWARD_COLLISION", T0 + 80 * FRAME_NANOS, "reviewer"));
        MinedSession mined = s.mined();
        assertThat(scan(new FalsePositiveVerdictTrigger(), mined).keySet()).containsExactly("f10", "f11");
        // −2.0 s … +0.5 s at 25 frames/s around frame 80: frames 30..92.
        Map<String, List<String>> miss = scan(new ReportedMissTrigger(), mined);
        assertThat(miss.keySet()).hasSize(63).contains("f30", "f92").doesNotContain("f29", "f93");
        assertThat(new FalsePositiveVerdictTrigger().reviewBacked()).isTrue();
        assertThat(new ReportedMissTrigger().reviewBacked()).isTrue();
        assertThat(new NearFlipTrigger().reviewBacked()).isFalse();
    }
}
