package io.sightline.app.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.app.clip.HazardClipCommand;
import io.sightline.cloud.security.Roles;
import io.sightline.domain.event.EventIds;
import io.sightline.inference.ProjectHome;
import io.sightline.runtime.EdgeCommand;
import io.sightline.runtime.EdgePipeline;
import io.sightline.testkit.Await;
import io.sightline.uplink.journal.EdgeJournal;
import io.sightline.uplink.sign.DeviceIdentity;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.springframework.jdbc.core.JdbcTemplate;
import picocli.CommandLine;

/**
 * A simulated fleet (issue 17 §5): N vehicles, each the real edge runtime ({@link EdgeCommand}, in
 * this JVM) with its own edge directory (journal, device key, installed models), its registered
 * device key and its assignment in the cloud. A drive is one session: the vehicle reads its
 * assignment at the start ({@code --follow-assignment}: download, sha256 and release-signature
 * checks with its own trusted key, activation), runs the real decoder and detector on the first
 * frames of the bundled clip and the real tracker, range/TTC, risk policy, actuation and journal, and
 * uploads every event through the real broker into the real cloud, as {@code ./sightline edge} does.
 *
 * <p><b>Time is compressed</b>: a recorded clip is decoded as fast as the CPU allows instead of at
 * 25 frames/s, a drive is {@code frames} frames (well under a second of driving), and the rollout's
 * bakes are seconds instead of an hour. A shadow challenger runs on every frame, lossless, as when a
 * recorded file is replayed, so its evidence does not depend on how busy the shared machine is.
 *
 * <p>Drives run {@link #PARALLEL_DRIVES} at a time: each has its own pipeline threads and ONNX
 * Runtime session (one intra-op thread, as on a vehicle), and the machine has two cores.
 */
public final class SimulatedFleet {

    /** Sessions driving at once: two cores, and part of each drive is waiting for the cloud's acknowledgement. */
    public static final int PARALLEL_DRIVES = 3;

    public record Vehicle(String vehicleId, String deviceId, Path edgeDir) {
    }

    /** One session of one vehicle: the edge's exit code and what it printed. */
    public record Drive(String vehicleId, String sessionId, int exit, String output) {
    }

    private final FleetCloud cloud;
    private final String fleetId;
    private final Path dir;
    private final Map<String, Vehicle> vehicles = new LinkedHashMap<>();

    private SimulatedFleet(FleetCloud cloud, String fleetId, Path dir) {
        this.cloud = cloud;
        this.fleetId = fleetId;
        this.dir = dir;
    }

    /** Creates the vehicles' device keys and registers them as an operator would; writes the vehicles' reader token. */
    public static SimulatedFleet register(FleetCloud cloud, String fleetId, int vehicles, Path dir) {
        SimulatedFleet fleet = new SimulatedFleet(cloud, fleetId, dir);
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("reader-token"), cloud.token(fleetId, Roles.INVESTIGATOR));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        IntStream.range(0, vehicles).forEach(i -> {
            String id = String.format("%s-v%02d", fleetId, i);
            Vehicle v = new Vehicle(id, "dev-" + id, dir.resolve(id));
            DeviceIdentity device = DeviceIdentity.loadOrCreate(v.edgeDir().resolve("device-" + v.deviceId() + ".key"), v.deviceId());
            var r = cloud.send(fleetId, "PUT", "/api/v1/admin/devices/" + v.deviceId(), "{\"publicKeyX509\":\"" + device.publicKeyBase64() + "\"}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
            fleet.vehicles.put(id, v);
        });
        return fleet;
    }

    public String fleetId() {
        return fleetId;
    }

    public List<String> vehicleIds() {
        return List.copyOf(vehicles.keySet());
    }

    /** Every vehicle on this champion model and policy, as an admin assigns them before a rollout. */
    public void assignAll(String modelSha256, String policySha256) {
        for (String v : vehicles.keySet()) {
            var r = cloud.send(fleetId, "PUT", "/api/v1/assignments/" + fleetId + "/" + v,
                    "{\"championModelSha256\":\"" + modelSha256 + "\",\"championPolicySha256\":\"" + policySha256 + "\"}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
    }

    /**
     * One session of each of these vehicles, {@link #PARALLEL_DRIVES} at a time; every edge must
     * finish with all its events acknowledged, and every session must have ended in the cloud's
     * rollout evidence before this returns (a gate reads only what the projection has).
     */
    public Map<String, Drive> drive(Collection<String> vehicleIds, int frames) {
        ExecutorService pool = Executors.newFixedThreadPool(PARALLEL_DRIVES);
        long started = System.nanoTime();
        try {
            List<Future<Drive>> running = new ArrayList<>();
            for (String v : vehicleIds) {
                running.add(pool.submit(() -> edge(vehicles.get(v), frames, cloud.url(), cloud.brokerUrl(), 120)));
            }
            Map<String, Drive> drives = new LinkedHashMap<>();
            for (Future<Drive> f : running) {
                Drive d = f.get();
                assertThat(d.exit()).as(d.vehicleId() + ":\n" + d.output()).isZero();
                drives.put(d.vehicleId(), d);
            }
            awaitEnded(drives.values());
            System.out.printf(java.util.Locale.ROOT, "%s: %d drive(s) of %d frames in %.1f s%n", fleetId, drives.size(), frames,
                    (System.nanoTime() - started) / 1e9);
            return drives;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * A session with no network: neither the cloud nor the broker can be reached (ports nothing listens
     * on). The edge cannot read its assignment, runs the model it was started with and keeps every
     * event in its journal; the next drive online sends them first.
     */
    public Drive driveOffline(String vehicleId, int frames) {
        Drive d = edge(vehicles.get(vehicleId), frames, "http://127.0.0.1:9", "tcp://127.0.0.1:9", 1);
        assertThat(d.output()).as("nothing acknowledged offline").contains("assignment not read", "uplink        NOT complete: 0 of");
        assertThat(d.exit()).as(d.output()).isEqualTo(1);
        return d;
    }

    private Drive edge(Vehicle v, int frames, String cloudUrl, String brokerUrl, int uploadTimeoutS) {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);
        CommandLine cli = new CommandLine(new EdgeCommand(out)).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(out, true));
        int exit = cli.execute("--cloud-url", cloudUrl, "--mqtt-url", brokerUrl, "--mqtt-topic-root", cloud.topicRoot(),
                "--video", ProjectHome.get().resolve(HazardClipCommand.DEFAULT_OUT).toString(), "--model", "fastestdet",
                "--max-frames", Integer.toString(frames), "--fleet", fleetId, "--vehicle", v.vehicleId(), "--device-id", v.deviceId(),
                "--edge-dir", v.edgeDir().toString(), "--upload-timeout", Integer.toString(uploadTimeoutS), "--follow-assignment",
                "--trusted-release-key", cloud.releasePublicKey().toString(), "--assignment-token-file", dir.resolve("reader-token").toString(),
                "--shadow-lossless", "--shadow-sample-every", "1",
                // 50 vehicles and their cloud share one JVM's cores: no vehicle's detector may take a core from the cloud.
                "--detector-nice", "0");
        String session;
        try (EdgeJournal journal = EdgeJournal.open(v.edgeDir().resolve("journal.db"), EdgePipeline.JOURNAL_BUDGET_BYTES)) {
            List<EdgeJournal.SessionState> sessions = journal.sessions();
            session = sessions.isEmpty() ? null : sessions.get(sessions.size() - 1).sessionId();
        }
        return new Drive(v.vehicleId(), session, exit, buffer.toString(StandardCharsets.UTF_8));
    }

    private void awaitEnded(Collection<Drive> drives) {
        String[] ids = drives.stream().map(Drive::sessionId).toArray(String[]::new);
        JdbcTemplate jdbc = cloud.jdbc();
        Await.value("the fleet's sessions ended in the rollout evidence", Duration.ofSeconds(120),
                () -> jdbc.queryForObject("select count(*) from rollout_sessions where session_id = any (?) and ended_at_nanos is not null",
                        Long.class, (Object) ids), n -> n == ids.length, () -> "");
    }

    /** The sha256 of the model a stored session ran as its primary detector. */
    public String primaryModel(String sessionId) {
        return cloud.jdbc().queryForObject("select convert_from(payload, 'UTF8')::jsonb ->> 'modelSha256' from domain_event_entry"
                + " where event_identifier = ?", String.class, EventIds.of(sessionId, "ModelActivated", "primary"));
    }

    /**
     * What a stored session decided, without its ids and clock: per frame in order, each detection's
     * class, score and box and each risk assessment's rule and level. The same model on the same frames
     * gives the same text.
     */
    public String behaviour(String sessionId) {
        return cloud.jdbc().queryForObject("select coalesce(string_agg(case when payload_type like '%.DetectionObserved'"
                + " then (p ->> 'className') || ' ' || (p ->> 'score') || ' ' || (p -> 'boxPx')::text"
                + " else (p ->> 'ruleName') || ' ' || (p ->> 'level') end, E'\\n' order by sequence_number), '')"
                + " from (select sequence_number, payload_type, convert_from(payload, 'UTF8')::jsonb p from domain_event_entry"
                + " where aggregate_identifier = ? and (payload_type like '%.DetectionObserved' or payload_type like '%.RiskAssessed')) e",
                String.class, sessionId);
    }

    /** The scores of a stored session's detections, in the order they were journaled. */
    public List<Double> detectionScores(String sessionId) {
        return cloud.jdbc().queryForList("select (convert_from(payload, 'UTF8')::jsonb ->> 'score')::float8 from domain_event_entry"
                + " where aggregate_identifier = ? and payload_type = ? order by sequence_number", Double.class, sessionId,
                "io.sightline.domain.event.DetectionObserved");
    }

    /** Stored events of one type in a session (simple class name). */
    public long count(String sessionId, String type) {
        return cloud.jdbc().queryForObject("select count(*) from domain_event_entry where aggregate_identifier = ? and payload_type = ?",
                Long.class, sessionId, "io.sightline.domain.event." + type);
    }
}
