package io.sightline.edge.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.sightline.domain.event.ActuationCommanded;
import io.sightline.domain.event.AlertRaised;
import io.sightline.domain.event.DerivedEvent;
import io.sightline.domain.event.InputRejected;
import io.sightline.domain.event.RiskAssessed;
import io.sightline.domain.event.SightlineEvent;
import io.sightline.domain.event.TrackLost;
import io.sightline.domain.event.TrackStarted;
import io.sightline.domain.event.TrackUpdated;
import io.sightline.domain.event.VehicleStateSampled;
import io.sightline.edge.actuation.ActuationConfig;
import io.sightline.edge.events.EdgeEventSink;
import io.sightline.edge.range.CameraModel;
import io.sightline.edge.risk.RiskPolicy;
import io.sightline.edge.tracking.TrackerConfig;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A stopped car approached at 20 m/s, rendered exactly, through the whole projector. */
class EdgeProjectorTest {

    private static final CameraModel CAM = new CameraModel(1000, 1000, 640, 360, 1280, 720, 1.3, 0);
    private static final double FPS = 30;

    private final Map<String, SightlineEvent> events = new LinkedHashMap<>();
    private final List<String> rejections = new ArrayList<>();
    private final Set<String> inputIds = new HashSet<>();
    private final EdgeEventSink sink = new EdgeEventSink() {
        @Override
        public void emit(String id, long t, SightlineEvent e) {
            assertThat(events.put(id, e)).as("duplicate id %s", id).isNull();
        }

        @Override
        public void inputRejected(String id, long t, String reason) {
            rejections.add(id + ": " + reason);
        }
    };

    private EdgeProjector projector() {
        return new EdgeProjector("cam0", CAM, FPS, TrackerConfig.defaults(), EstimatorConfig.defaults(),
                RiskPolicy.defaults(), ActuationConfig.defaults(), sink);
    }

    private void drive(EdgeProjector p, int frames, int lastVisibleFrame) {
        drive(p, frames, lastVisibleFrame, true);
    }

    private void drive(EdgeProjector p, int frames, int lastVisibleFrame, boolean feedState) {
        FrameInput in = new FrameInput(4);
        for (int k = 0; k < frames; k++) {
            double t = k / FPS;
            long nanos = Math.round(t * 1e9);
            String vs = "vs" + k;
            inputIds.add(vs);
            if (feedState) {
                assertThat(p.onVehicleState(vs, new VehicleStateSampled(nanos, 20, null, null, null, null, "test")))
                        .isNull();
            }
            in.start("f" + k, nanos);
            double z = 90 - 20 * t;
            if (k <= lastVisibleFrame) {
                String det = "det" + k;
                inputIds.add(det);
                assertThat(in.add(det, "car", 640 - 900 / z, 360 - 200 / z, 640 + 900 / z, 360 + 1300 / z, 0.9)).isNull();
            }
            p.onFrame(in);
        }
    }

    @Test
    void everyDerivedEventNamesCausesThatExistAndTheChainReachesTheActuator() {
        EdgeProjector p = projector();
        drive(p, 120, 80);
        assertThat(rejections).isEmpty();
        List<TrackStarted> started = ofType(TrackStarted.class);
        assertThat(started).hasSize(1);
        assertThat(started.get(0).causes()).containsExactly("det0");
        assertThat(started.get(0).className()).isEqualTo("car");

        Set<String> seen = new HashSet<>(inputIds);
        for (Map.Entry<String, SightlineEvent> e : events.entrySet()) {
            if (e.getValue() instanceof DerivedEvent d) {
                assertThat(d.causes()).as("causes of %s", e.getKey()).isNotEmpty();
                assertThat(seen).as("causes of %s emitted earlier", e.getKey()).containsAll(d.causes());
            }
            seen.add(e.getKey());
        }
        // TrackUpdated: the detection taken in and the previous TrackUpdated
        String prev = null;
        for (Map.Entry<String, SightlineEvent> e : events.entrySet()) {
            if (e.getValue() instanceof TrackUpdated u && u.state() == io.sightline.domain.event.TrackState.CONFIRMED) {
                assertThat(u.causes().get(0)).startsWith("det");
                if (prev != null) {
                    assertThat(u.causes().get(1)).isEqualTo(prev);
                }
                prev = e.getKey();
            }
        }
        RiskAssessed firstWarning = ofType(RiskAssessed.class).stream()
                .filter(r -> r.level().equals("WARNING")).findFirst().orElseThrow();
        assertThat(events.get(firstWarning.causes().get(0))).isInstanceOf(TrackUpdated.class);
        assertThat(firstWarning.causes().get(1)).startsWith("vs");
        double raiseS = RiskPolicy.defaults().forwardCollision().ttcRaiseS();
        assertThat(firstWarning.ttcS()).isBetween(2.0, raiseS);
        assertThat(firstWarning.policyVersion()).isEqualTo(RiskPolicy.defaults().version());
        AlertRaised alert = ofType(AlertRaised.class).get(0);
        assertThat(events.get(alert.causes().get(0))).isInstanceOf(RiskAssessed.class);
        assertThat(alert.kind()).isEqualTo("FORWARD_COLLISION");
        // exact boxes, exact speed: the warning comes when the true TTC (4.5 s − t) crosses the raise threshold
        double alertAtS = alert.raisedAtNanos() * 1e-9;
        assertThat(4.5 - alertAtS).isBetween(raiseS - 0.4, raiseS + 0.05);
        assertThat(ofType(ActuationCommanded.class)).allSatisfy(c -> assertThat(c.causes()).containsExactly(alert.alertId()));
        // the track is removed 1 s after its last detection: TrackLost names its last TrackUpdated
        TrackLost lost = ofType(TrackLost.class).get(0);
        assertThat(events.get(lost.causes().get(0))).isInstanceOf(TrackUpdated.class);
    }

    @Test
    void sameInputGivesTheSameIdsAndEventsByteForByte() throws Exception {
        drive(projector(), 60, 60);
        List<String> first = wire();
        events.clear();
        drive(projector(), 60, 60);
        assertThat(wire()).isEqualTo(first);
        assertThat(first).anyMatch(line -> line.contains("AlertRaised"));
    }

    /** The events as the journal stores them: id, type and payload JSON, in emission order. */
    private List<String> wire() throws Exception {
        var mapper = new io.sightline.domain.ingest.EventCodec().mapper();
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, SightlineEvent> e : events.entrySet()) {
            out.add(e.getKey() + " " + e.getValue().getClass().getSimpleName() + " " + mapper.writeValueAsString(e.getValue()));
        }
        return out;
    }

    @Test
    void badInputsAreRejectedWithAReasonAndNeverReachADecision() {
        EdgeProjector p = projector();
        assertThat(p.onVehicleState("vsNaN", new VehicleStateSampled(0, Double.NaN, null, null, null, null, "t")))
                .contains("not finite");
        assertThat(p.onVehicleState("vsNeg", new VehicleStateSampled(0, -3, null, null, null, null, "t")))
                .contains("negative");
        assertThat(rejections).hasSize(2);
        FrameInput in = new FrameInput(2);
        in.start("f0", 0);
        assertThat(in.add("d-nan", "car", Double.NaN, 1, 10, 10, 0.9)).contains("not finite");
        assertThat(in.add("d-neg", "car", 100, 100, 90, 120, 0.9)).contains("non-positive size");
        assertThat(in.add("d-score", "car", 100, 100, 120, 120, 1.5)).contains("score");
        assertThat(in.size()).isZero();
        assertThat(in.rejectedCount()).isEqualTo(3);
        p.onFrame(in);
        // no valid ego speed was ever taken: even a dangerous track gets no assessment
        drive(p, 40, 40, false);
        assertThat(ofType(RiskAssessed.class)).isEmpty();
        assertThat(ofType(TrackStarted.class)).hasSize(1);
    }

    @Test
    void everyRefusedInputIsAnInputRejectedEventNamingTheInputItsTimeAndTheReason() {
        EdgeProjector p = projector();
        p.onVehicleState("vsNaN", new VehicleStateSampled(5, Double.NaN, null, null, null, null, "t"));
        FrameInput in = new FrameInput(2);
        in.start("f0", 1_000_000_000L);
        in.add("d-nan", "car", Double.NaN, 1, 10, 10, 0.9);
        in.add("d-neg", "car", 100, 100, 90, 120, 0.9);
        in.add("d-ok", "car", 100, 100, 120, 120, 0.9);
        p.onFrame(in);
        in.start("f-back", 500_000_000L);
        in.add("d-late", "car", 100, 100, 120, 120, 0.9);
        p.onFrame(in);

        assertThat(ofType(InputRejected.class))
                .extracting(InputRejected::inputId, InputRejected::rejectedAtNanos)
                .containsExactly(tuple("vsNaN", 5L), tuple("d-nan", 1_000_000_000L), tuple("d-neg", 1_000_000_000L),
                        tuple("f-back", 500_000_000L));
        assertThat(ofType(InputRejected.class)).allSatisfy(r -> assertThat(r.causes()).containsExactly(r.inputId()));
        assertThat(ofType(InputRejected.class)).extracting(InputRejected::reason)
                .satisfiesExactly(r -> assertThat(r).contains("not finite"), r -> assertThat(r).contains("not finite"),
                        r -> assertThat(r).contains("non-positive size"), r -> assertThat(r).contains("goes backwards"));
        assertThat(events).containsKey("cam0/d-neg/rejected");
        // the sink's hook still hears of each, and the frame back in time changed no track
        assertThat(rejections).hasSize(4);
        assertThat(ofType(TrackUpdated.class)).noneMatch(u -> u.frameId().equals("f-back"));
    }

    private <T> List<T> ofType(Class<T> type) {
        return events.values().stream().filter(type::isInstance).map(type::cast).toList();
    }
}
