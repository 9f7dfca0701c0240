package io.sightline.app.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.app.fleet.FleetCloud;
import io.sightline.app.fleet.SimulatedFleet;
import io.sightline.cloud.rollout.RolloutService;
import io.sightline.cloud.rollout.RolloutState;
import io.sightline.domain.event.EventIds;
import io.sightline.domain.event.RolloutGateResult;
import io.sightline.domain.event.RolloutStep;
import io.sightline.domain.rollout.Rollout;
import io.sightline.inference.ProjectHome;
import io.sightline.testkit.ProjectHomeExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17 §5: rollouts on a simulated fleet of {@value #VEHICLES} vehicles ({@link SimulatedFleet}:
 * the real edge runtime per vehicle in this JVM, the real FastestDet, the real broker, the real cloud
 * on PostgreSQL). <b>Time is compressed</b>: a drive is the first {@value #FRAMES} frames of the
 * bundled clip decoded as fast as the CPU allows, and a rollout step bakes {@value #BAKE_S} s instead
 * of an hour. Each test has a fleet of its own (one active rollout per fleet); the test checks the
 * rollout between rounds of drives, as the cloud's scheduler would every 10 s.
 *
 * <p>The challengers are FastestDet's own graph under other bytes ({@link FleetCloud#repackaged}), so
 * the registry names each by its own sha256: with the champion's manifest (the good challenger), with
 * a report score that hides about a third of the champion's boxes (the bad one), and one whose stored
 * registration is tampered with after it was signed.
 */
@ExtendWith(ProjectHomeExtension.class)
class SimulatedFleetTest {

    static final int VEHICLES = 50;
    static final int FRAMES = 10;
    static final int BAKE_S = 1;
    /** Vehicles outside the cohort that drive beside it on each step. */
    static final int CONTROL = 5;
    /**
     * Where the test is about the rollout's bookkeeping rather than the challenger on the road (offline, restart), only this
     * many of a step's new cohort drive: the step advances on the gates either way, and CPU is short (docs/rollouts.md).
     */
    static final int SAMPLE = 5;

    @TempDir
    static Path dir;
    static FleetCloud cloud;
    static String policy;
    static String champion;
    static String good;
    static byte[] onnx;
    static byte[] manifest;
    static String tampered;

    @BeforeAll
    static void cloudWithReleases() throws Exception {
        cloud = FleetCloud.start("simulated_fleet", dir.resolve("cloud"));
        policy = cloud.registerDefaultPolicy();
        Path models = ProjectHome.get().resolve("models").resolve("fastestdet");
        onnx = Files.readAllBytes(models.resolve("FastestDet.onnx"));
        manifest = Files.readAllBytes(models.resolve("manifest.json"));
        champion = cloud.registerModel(onnx, manifest);
        good = registerRepackaged(onnx, manifest, "repackaged", Double.NaN);
        tampered = registerRepackaged(onnx, manifest, "tampered", Double.NaN);
        tamperSignature(tampered);
    }

    @AfterAll
    static void stop() {
        if (cloud != null) {
            cloud.close();
        }
    }

    /** FastestDet's graph as a release of its own: version {@code 50473cd-<tag>}, optionally another report score. */
    static String registerRepackaged(byte[] onnx, byte[] manifest, String tag, double reportScore) throws Exception {
        FleetCloud.Release r = FleetCloud.repackagedRelease(onnx, manifest, tag, reportScore);
        return cloud.registerModel(r.model(), r.manifest());
    }

    /**
     * Someone with write access to the cloud's database replaces a registered model's signature with
     * a genuine one of another release (the champion's statement): the cloud still serves the model and
     * its registration, and only the vehicle's own check can tell.
     */
    static void tamperSignature(String sha256) {
        Map<String, Object> row = cloud.jdbc().queryForMap("select convert_from(payload, 'UTF8')::jsonb ->> 'manifestSha256' m,"
                + " (convert_from(payload, 'UTF8')::jsonb ->> 'sizeBytes')::bigint s from domain_event_entry where payload_type = ?"
                + " and convert_from(payload, 'UTF8')::jsonb ->> 'modelSha256' = ?", "io.sightline.domain.event.ModelVersionRegistered", champion);
        String replayed = cloud.sign("fastestdet", "50473cd", champion, (Long) row.get("s"), (String) row.get("m"));
        int updated = cloud.jdbc().update("update domain_event_entry set payload = convert_to(jsonb_set(convert_from(payload, 'UTF8')::jsonb,"
                + " '{signatureBase64}', to_jsonb(?::text))::text, 'UTF8') where payload_type = ?"
                + " and convert_from(payload, 'UTF8')::jsonb ->> 'modelSha256' = ?", replayed, "io.sightline.domain.event.ModelVersionRegistered",
                sha256);
        assertThat(updated).isEqualTo(1);
    }

    static RolloutService.StartRequest plan(String id, String challenger, List<RolloutStep> steps, Map<String, Double> shadowThresholds,
                                            String onGateFailure) {
        List<RolloutService.GateRequest> gates = new ArrayList<>(List.of(new RolloutService.GateRequest("edge-refusals", null)));
        if (shadowThresholds != null) {
            gates.add(new RolloutService.GateRequest("shadow-disagreement", shadowThresholds));
        }
        return new RolloutService.StartRequest(id, champion, policy, challenger, null, steps, gates, onGateFailure);
    }

    static List<RolloutStep> canary(int... shares) {
        return java.util.Arrays.stream(shares).mapToObj(p -> new RolloutStep(RolloutStep.CANARY, p, BAKE_S)).toList();
    }

    static List<RolloutStep> shadowThenCanary(int shadowShare) {
        List<RolloutStep> steps = new ArrayList<>(List.of(new RolloutStep(RolloutStep.SHADOW, shadowShare, BAKE_S)));
        steps.addAll(canary(10, 50, 100));
        return steps;
    }

    static RolloutService.Decision check(SimulatedFleet fleet, String rolloutId) throws InterruptedException {
        RolloutState s = cloud.rollouts().get(fleet.fleetId(), rolloutId);
        long wait = (s.bakeEndsAtNanos() - Instant.now().toEpochMilli() * 1_000_000L) / 1_000_000L;
        if (s.stepIndex() >= 0 && wait > 0) {
            Thread.sleep(wait + 50); // the bake is a matter of seconds; a round of drives usually outlasts it
        }
        return cloud.rollouts().check(rolloutId, Instant.now());
    }

    static SimulatedFleet fleet(String fleetId) {
        SimulatedFleet fleet = SimulatedFleet.register(cloud, fleetId, VEHICLES, dir.resolve(fleetId));
        fleet.assignAll(champion, policy);
        return fleet;
    }

    /** Each vehicle's session ran this model (by sha256) as its primary. */
    static void assertRan(SimulatedFleet fleet, Map<String, SimulatedFleet.Drive> drives, Predicate<String> onChallenger, String challenger) {
        drives.values().forEach(d -> assertThat(fleet.primaryModel(d.sessionId())).as(d.vehicleId())
                .isEqualTo(onChallenger.test(d.vehicleId()) ? challenger : champion));
    }

    /**
     * One step of a rollout on the road, then its check: the vehicles the step changed (its cohort; on a
     * canary step after a canary step, less the previous cohort) and {@value #CONTROL} vehicles outside
     * it drive a session each, except those {@code absent}; at most {@code maxEntrants} of the former. Each must run what its assignment says: the
     * challenger on a canary step's cohort, the champion (with the challenger in shadow on a shadow
     * step's cohort) everywhere else.
     */
    static RolloutService.Decision driveStep(SimulatedFleet fleet, String rolloutId, String challenger, Set<String> absent, int maxEntrants)
            throws InterruptedException {
        RolloutState s = cloud.rollouts().get(fleet.fleetId(), rolloutId);
        int step = s.stepIndex();
        boolean canary = s.plan().steps().get(step).kind().equals(RolloutStep.CANARY);
        Set<String> cohort = Set.copyOf(s.cohort(step));
        List<String> previous = step > 0 && s.plan().steps().get(step - 1).kind().equals(RolloutStep.CANARY) ? s.cohort(step - 1) : List.of();
        List<String> drivers = new ArrayList<>(s.cohort(step).stream().filter(v -> !previous.contains(v) && !absent.contains(v))
                .limit(maxEntrants).toList());
        fleet.vehicleIds().stream().filter(v -> !cohort.contains(v)).limit(CONTROL).forEach(drivers::add);
        drivers.removeAll(absent);
        Map<String, SimulatedFleet.Drive> drives = fleet.drive(drivers, FRAMES);
        assertRan(fleet, drives, v -> canary && cohort.contains(v), challenger);
        drives.values().forEach(d -> assertThat(fleet.count(d.sessionId(), "ShadowDetectionsObserved")).as(d.vehicleId())
                .isEqualTo(!canary && cohort.contains(d.vehicleId()) ? FRAMES : 0));
        return check(fleet, rolloutId);
    }

    @Test
    void aBadChallengerIsRolledBackOnItsShadowStepAndTheRestOfTheFleetNeverChanges() throws Exception {
        SimulatedFleet fleet = fleet("fleet-bad");
        String before = fleet.drive(fleet.vehicleIds().subList(0, 1), FRAMES).values().iterator().next().sessionId();
        String reference = fleet.behaviour(before);
        // Honestly bad: FastestDet with its report score raised to the score of the box a third of the way up the champion's
        // boxes on these frames, so it hides that third (a box at or below the report score is not reported).
        List<Double> scores = fleet.detectionScores(before).stream().sorted().toList();
        assertThat(scores).as("the champion sees enough to hide a third of").hasSizeGreaterThanOrEqualTo(6);
        double strict = scores.get(Math.round(scores.size() / 3.0f) - 1);
        String bad = registerRepackaged(onnx, manifest, "strict", strict);

        // A shadow step on 6 % (3 vehicles): the bad challenger runs beside the champion and never actuates.
        RolloutService rollouts = cloud.rollouts();
        rollouts.start(fleet.fleetId(), plan("bad-1", bad, shadowThenCanary(6),
                Map.of("minShadowFrames", 3.0 * FRAMES, "minDetectionF1", 0.9), null), "ada", Instant.now());
        assertThat(check(fleet, "bad-1").action()).isEqualTo("advanced");
        Set<String> cohort = Set.copyOf(rollouts.get(fleet.fleetId(), "bad-1").cohort(0));
        assertThat(cohort).hasSize(3);

        // The whole fleet drives while the challenger is on the road.
        Map<String, SimulatedFleet.Drive> shadowed = fleet.drive(fleet.vehicleIds(), FRAMES);
        shadowed.values().forEach(d -> assertThat(fleet.count(d.sessionId(), "ShadowDetectionsObserved")).as(d.vehicleId())
                .isEqualTo(cohort.contains(d.vehicleId()) ? FRAMES : 0));
        RolloutService.Decision d = check(fleet, "bad-1");
        assertThat(d.action()).as(d.gates().toString()).isEqualTo("rolled back");
        RolloutGateResult shadowGate = d.gates().stream().filter(g -> g.gate().equals("shadow-disagreement")).findFirst().orElseThrow();
        System.out.println("bad challenger's shadow gate: " + shadowGate.values());
        assertThat(shadowGate.values().get("detectionRecall")).as("the raised threshold hides about a third of the champion's boxes")
                .isBetween(0.6, 0.75);
        assertThat(shadowGate.values().get("detectionPrecision")).as("and adds none").isEqualTo(1.0);
        assertThat(shadowGate.values().get("detectionF1")).isLessThan(0.9);
        RolloutState s = rollouts.get(fleet.fleetId(), "bad-1");
        assertThat(s.state()).isEqualTo(Rollout.ROLLED_BACK);
        assertThat(s.stepIndex()).as("never past the shadow step: the challenger reached %d of %d vehicles", cohort.size(), VEHICLES).isZero();
        assertThat(cohort.size()).isLessThan(VEHICLES / 10);

        // The cohort drives again on the plain champion; nobody's decisions ever changed.
        Map<String, SimulatedFleet.Drive> after = fleet.drive(List.copyOf(cohort), FRAMES);
        after.values().forEach(r -> assertThat(fleet.count(r.sessionId(), "ShadowDetectionsObserved")).isZero());
        for (Map<String, SimulatedFleet.Drive> round : List.of(shadowed, after)) {
            assertRan(fleet, round, v -> false, bad);
            round.values().forEach(r -> assertThat(fleet.behaviour(r.sessionId())).as("%s decides as before", r.vehicleId())
                    .isEqualTo(reference));
        }

        // Those sessions, on the champion without the shadow, confirm the rollback (ADR-0044) once the cloud has projected them.
        String confirmation = null;
        for (long until = System.nanoTime() + 120_000_000_000L; System.nanoTime() < until; Thread.sleep(500)) {
            confirmation = rollouts.checkConfirmation("bad-1", Instant.now()).action();
            if (confirmation.equals("rollback confirmed")) {
                break;
            }
        }
        assertThat(confirmation).isEqualTo("rollback confirmed");
        RolloutState confirmed = rollouts.get(fleet.fleetId(), "bad-1");
        assertThat(confirmed.confirmation()).isEqualTo(Rollout.CONFIRMED);
        io.sightline.domain.event.RolloutRollbackConfirmed event = (io.sightline.domain.event.RolloutRollbackConfirmed) confirmed.confirmed().payload();
        assertThat(event.confirmedVehicleIds()).containsExactlyInAnyOrderElementsOf(cohort);
        assertThat(event.confirmingSessionIds()).containsExactlyInAnyOrderElementsOf(after.values().stream().map(SimulatedFleet.Drive::sessionId)
                .toList());
    }

    @Test
    void aGoodChallengerIsPromotedToTheWholeFleet() throws Exception {
        SimulatedFleet fleet = fleet("fleet-good");
        RolloutService rollouts = cloud.rollouts();
        rollouts.start(fleet.fleetId(), plan("good-1", good, shadowThenCanary(6),
                Map.of("minShadowFrames", 3.0 * FRAMES, "minDetectionF1", 0.9), null), "ada", Instant.now());
        assertThat(check(fleet, "good-1").action()).isEqualTo("advanced");
        List<String> actions = new ArrayList<>();
        while (rollouts.get(fleet.fleetId(), "good-1").active() && actions.size() < 5) {
            RolloutService.Decision d = driveStep(fleet, "good-1", good, Set.of(), VEHICLES);
            assertThat(d.gates()).as(d.action()).allSatisfy(g -> assertThat(g.verdict()).isIn(RolloutGateResult.PASS,
                    RolloutGateResult.NOT_APPLICABLE));
            if (actions.isEmpty()) {
                assertThat(d.gates()).filteredOn(g -> g.gate().equals("shadow-disagreement")).singleElement()
                        .satisfies(g -> assertThat(g.values().get("detectionF1")).as("the same graph, the same boxes").isEqualTo(1.0));
            }
            actions.add(d.action() + " " + d.stepIndex());
        }
        assertThat(actions).containsExactly("advanced 1", "advanced 2", "advanced 3", "completed 3");
        assertThat(rollouts.get(fleet.fleetId(), "good-1").state()).isEqualTo(Rollout.COMPLETED);
        assertThat(rollouts.currentAssignments(fleet.fleetId()).values()).hasSize(VEHICLES)
                .allSatisfy(a -> assertThat(a.championModelSha256()).isEqualTo(good));
    }

    @Test
    void aVehicleOfflineDuringTheRolloutConvergesWhenItReconnects() throws Exception {
        SimulatedFleet fleet = fleet("fleet-offline");
        RolloutService rollouts = cloud.rollouts();
        rollouts.start(fleet.fleetId(), plan("offline-1", good, canary(10, 50, 100), null, null), "ada", Instant.now());
        assertThat(check(fleet, "offline-1").action()).isEqualTo("advanced");
        RolloutState s = rollouts.get(fleet.fleetId(), "offline-1");
        // A vehicle the rollout reaches at its second step, while it has no network.
        String offline = s.cohort(1).stream().filter(v -> !s.cohort(0).contains(v)).findFirst().orElseThrow();
        assertRan(fleet, fleet.drive(List.of(offline), FRAMES), v -> false, good);

        List<String> offlineSessions = new ArrayList<>();
        while (rollouts.get(fleet.fleetId(), "offline-1").active() && offlineSessions.size() < 4) {
            offlineSessions.add(fleet.driveOffline(offline, FRAMES).sessionId());
            assertThat(driveStep(fleet, "offline-1", good, Set.of(offline), SAMPLE).action()).isIn("advanced", "completed");
        }
        assertThat(rollouts.get(fleet.fleetId(), "offline-1").state()).isEqualTo(Rollout.COMPLETED);
        assertThat(offlineSessions).hasSize(3);
        assertThat(cloud.jdbc().queryForObject("select count(*) from domain_event_entry where aggregate_identifier = any (?)", Long.class,
                (Object) offlineSessions.toArray(String[]::new))).as("nothing reached the cloud while offline").isZero();

        SimulatedFleet.Drive back = fleet.drive(List.of(offline), FRAMES).get(offline);
        assertThat(fleet.primaryModel(back.sessionId())).as("converged at its first session back").isEqualTo(good);
        offlineSessions.forEach(o -> {
            assertThat(fleet.count(o, "DriveSessionEnded")).as("the journal sent the offline drives first").isOne();
            assertThat(fleet.primaryModel(o)).as("offline it ran the model it was started with").isEqualTo(champion);
        });
    }

    @Test
    void aTamperedReleaseIsRefusedAtTheEdgeAndTheRolloutHaltsOnTheRefusal() throws Exception {
        SimulatedFleet fleet = fleet("fleet-tamper");
        RolloutService rollouts = cloud.rollouts();
        rollouts.start(fleet.fleetId(), plan("tamper-1", tampered, canary(6, 100), null, "halt"), "ada", Instant.now());
        assertThat(check(fleet, "tamper-1").action()).isEqualTo("advanced");
        Set<String> cohort = Set.copyOf(rollouts.get(fleet.fleetId(), "tamper-1").cohort(0));

        List<String> drivers = new ArrayList<>(cohort);
        fleet.vehicleIds().stream().filter(v -> !cohort.contains(v)).limit(CONTROL).forEach(drivers::add);
        Map<String, SimulatedFleet.Drive> drives = fleet.drive(drivers, FRAMES);
        assertRan(fleet, drives, v -> false, tampered);
        List<String> refusals = new ArrayList<>();
        drives.values().forEach(d -> {
            assertThat(fleet.count(d.sessionId(), "ModelRejected")).as(d.vehicleId()).isEqualTo(cohort.contains(d.vehicleId()) ? 1 : 0);
            if (cohort.contains(d.vehicleId())) {
                assertThat(d.output()).contains("the release signature of model " + tampered + " does not verify");
                refusals.add(EventIds.of(d.sessionId(), "ModelRejected", 0));
            }
        });
        RolloutService.Decision d = check(fleet, "tamper-1");
        assertThat(d.action()).isEqualTo("halted");
        RolloutGateResult gate = d.gates().stream().filter(g -> g.gate().equals("edge-refusals")).findFirst().orElseThrow();
        assertThat(gate.verdict()).isEqualTo(RolloutGateResult.FAIL);
        assertThat(gate.causes()).containsExactlyInAnyOrderElementsOf(refusals);
        RolloutState s = rollouts.get(fleet.fleetId(), "tamper-1");
        assertThat(s.state()).isEqualTo(Rollout.HALTED);
        assertThat(s.stepIndex()).isZero();
    }

    @Test
    void aCloudRestartedMidRolloutContinuesFromItsStoredEvents() throws Exception {
        SimulatedFleet fleet = fleet("fleet-restart");
        cloud.rollouts().start(fleet.fleetId(), plan("restart-1", good, canary(10, 50, 100), null, null), "ada", Instant.now());
        assertThat(check(fleet, "restart-1").action()).isEqualTo("advanced");
        assertThat(driveStep(fleet, "restart-1", good, Set.of(), SAMPLE).stepIndex()).isEqualTo(1);

        cloud.restart();
        assertThat(cloud.rollouts().get(fleet.fleetId(), "restart-1").stepIndex()).as("the step comes from the stored events").isEqualTo(1);
        assertThat(driveStep(fleet, "restart-1", good, Set.of(), SAMPLE).stepIndex()).isEqualTo(2);
        RolloutService.Decision last = driveStep(fleet, "restart-1", good, Set.of(), SAMPLE);
        assertThat(last.action()).isEqualTo("completed");

        List<Integer> stepsEntered = cloud.jdbc().queryForList("select (convert_from(payload, 'UTF8')::jsonb ->> 'stepIndex')::int"
                + " from domain_event_entry where aggregate_identifier = ? and payload_type = ? order by sequence_number", Integer.class,
                Rollout.PREFIX + "restart-1", "io.sightline.domain.event.RolloutStepAdvanced");
        assertThat(stepsEntered).as("each step once, none skipped").containsExactly(0, 1, 2);
        List<Long> assignedPerVehicle = cloud.jdbc().queryForList("select count(*) from domain_event_entry where payload_type = ?"
                + " and convert_from(payload, 'UTF8')::jsonb ->> 'assignedBy' = ? group by aggregate_identifier", Long.class,
                "io.sightline.domain.event.VehicleAssigned", "rollout:restart-1");
        assertThat(assignedPerVehicle).as("every vehicle assigned the challenger once").hasSize(VEHICLES).containsOnly(1L);
        assertThat(cloud.rollouts().currentAssignments(fleet.fleetId()).values()).hasSize(VEHICLES)
                .allSatisfy(a -> assertThat(a.championModelSha256()).isEqualTo(good));
    }
}
