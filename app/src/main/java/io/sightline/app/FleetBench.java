package io.sightline.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sightline.cloud.telemetry.CpuSample;
import io.sightline.cloud.SightlineCloudApplication;
import io.sightline.cloud.ingest.DeviceKeyRegistry;
import io.sightline.domain.event.AlertRaised;
import io.sightline.domain.event.BoxPx;
import io.sightline.domain.event.CameraCalibration;
import io.sightline.domain.event.DetectionObserved;
import io.sightline.domain.event.DriveSessionEnded;
import io.sightline.domain.event.DriveSessionStarted;
import io.sightline.domain.event.EdgeWindowSummarized;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.risk.Factor;
import io.sightline.domain.event.FrameCaptured;
import io.sightline.domain.event.ModelActivated;
import io.sightline.domain.event.RiskAssessed;
import io.sightline.domain.event.RiskFactor;
import io.sightline.domain.event.SightlineEvent;
import io.sightline.domain.event.TierGapDeclared;
import io.sightline.domain.event.TrackState;
import io.sightline.domain.event.TrackUpdated;
import io.sightline.domain.event.VehicleStateSampled;
import io.sightline.domain.ingest.EventCodec;
import io.sightline.uplink.journal.EdgeJournal;
import io.sightline.uplink.sign.BatchSigner;
import io.sightline.uplink.sign.DeviceIdentity;
import io.sightline.uplink.sign.SignedBatch;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sightline bench fleet}: N simulated vehicles uploading their tiered drives (ADR-0027)
 * through the real MQTT broker into the real cloud (ingestion, Axon store, every projection and
 * the alert notifier), at stepped time compressions, until the cloud no longer keeps up
 * (issue 20 §4, docs/scale.md).
 *
 * <p>Each vehicle drives one session. Its full edge stream is 12 events per 25 fps frame (a frame,
 * vehicle state, four detections, three track updates and three risk assessments, the measured mix
 * of {@code bench uplink}); what it uploads is the tiers' selection of it: every alert's window
 * (T−30 s … T+10 s, {@code --alerts-per-hour}), a sampled 30 s window every
 * {@code 30 s / --sample-share}, one window summary per minute, and a signed {@code TierGapDeclared}
 * for every range in between. Like the real uploader, a vehicle has one batch in flight and sends
 * what accumulated when it is acknowledged, so a cloud that falls behind shows as a growing backlog
 * on the vehicles, not as lost events.
 *
 * <p>A step runs the whole fleet at one speed (driving seconds per wall second) for
 * {@code --step-seconds}. It keeps up when the backlog at its end is under two seconds of its
 * offered load and every batch was acknowledged. Alert visibility is the time from the vehicle's
 * publish of the batch holding an {@code AlertRaised} to its notification on
 * {@code {root}/{fleet}/{vehicle}/alerts}. The vehicles share this machine's cores with the cloud
 * and PostgreSQL: their own CPU is printed, and a step whose generator fell behind says so.
 * Vehicles are multiplexed over {@code --connections} MQTT connections; the broker's connection
 * count is not what is measured here.
 */
@Command(name = "fleet", mixinStandardHelpOptions = true,
        description = {"N simulated vehicles upload tiered drives through the real broker into the real cloud at stepped speeds;",
                "prints per step whether the cloud keeps up, its acknowledgement latency and alert visibility p99, and where it saturates."})
public final class FleetBench implements Callable<Integer> {

    static final String FLEET = "fleet-bench";
    static final int EVENTS_PER_FRAME = 12;
    static final long FRAME_NANOS = 40_000_000L;
    static final long SECOND = 1_000_000_000L;
    /** An alert's causal window, as the uploader's tier keeps it (ADR-0027), with a frame of margin each side. */
    static final long ALERT_BEFORE_NANOS = 30 * SECOND + 2 * FRAME_NANOS;
    static final long ALERT_AFTER_NANOS = 10 * SECOND + 2 * FRAME_NANOS;
    static final long SAMPLE_WINDOW_NANOS = 30 * SECOND;
    static final int MAX_EVENTS_PER_BATCH = 2_000;
    /** A step keeps up when its vehicles hold less than this much of its offered load, unsent or unacknowledged, at its end. */
    static final double KEEPS_UP_BACKLOG_SECONDS = 2.0;
    static final String MODEL_SHA256 = "695e750a5d5754bb5a8d5325643b59282191a7e7a564e435a415fd3c578eab14";

    @Option(names = "--vehicles", defaultValue = "1000", description = "Simulated vehicles, one session each (default ${DEFAULT-VALUE}).")
    int vehicles;
    @Option(names = "--speeds", split = ",", defaultValue = "0.25,0.5,1,2,4",
            description = "Driving seconds per wall second, one step each, in order (default ${DEFAULT-VALUE}).")
    List<Double> speeds;
    @Option(names = "--step-seconds", defaultValue = "20", description = "Wall seconds per step (default ${DEFAULT-VALUE}).")
    int stepSeconds;
    @Option(names = "--connections", defaultValue = "16", description = "MQTT connections the vehicles share (default ${DEFAULT-VALUE}).")
    int connections;
    @Option(names = "--alerts-per-hour", defaultValue = "4", description = "Alerts per driving hour per vehicle (default ${DEFAULT-VALUE},"
            + " as bench uplink's drive).")
    double alertsPerHour;
    @Option(names = "--sample-share", defaultValue = "0.02", description = "Share of driving time sampled in full (default ${DEFAULT-VALUE}).")
    double sampleShare;
    @Option(names = "--seed", defaultValue = "1", description = "Seed of the vehicles' alert and sample phases (default ${DEFAULT-VALUE}).")
    long seed;
    @Option(names = "--deflate", negatable = true, defaultValue = "true", description = "Deflate batch bodies, as --upload tiered --deflate"
            + " edges do (default ${DEFAULT-VALUE}).")
    boolean deflate;
    @Option(names = "--jdbc-url", description = "PostgreSQL to use; default: a fresh embedded one in a temporary directory.")
    String jdbcUrl;
    @Option(names = "--mqtt-url", defaultValue = "tcp://127.0.0.1:1883", description = "MQTT broker (default ${DEFAULT-VALUE}).")
    String mqttUrl;

    /** Counters of one step; histograms are read and reset by the reporting thread only between steps. */
    static final class StepStats {
        final Histogram ackMicros = new Histogram(3_600_000_000L, 3);
        final Histogram alertMicros = new Histogram(3_600_000_000L, 3);
        final AtomicLong offered = new AtomicLong();
        final AtomicLong acked = new AtomicLong();
        final AtomicLong batches = new AtomicLong();
        final AtomicLong rejected = new AtomicLong();
        volatile long generatorLagMaxNanos;
        /** CPU time of the vehicles' generator threads (building, encoding and signing their batches). */
        final AtomicLong generatorCpuNanos = new AtomicLong();
        /** Wall time the generator spent making events, signing batches and handing them to MQTT. */
        final AtomicLong generateNanos = new AtomicLong();
        final AtomicLong signNanos = new AtomicLong();
        final AtomicLong publishNanos = new AtomicLong();
    }

    private final ObjectMapper json = new EventCodec().mapper();
    private final EventCodec codec = new EventCodec();
    private volatile StepStats stats = new StepStats();
    private final Map<String, Long> alertSentNanos = new ConcurrentHashMap<>();
    /** Every alert's visibility over the whole run, drained ones included. */
    private final Histogram alertMicrosAll = new Histogram(3_600_000_000L, 3);
    private final AtomicLong alertsSent = new AtomicLong();
    private final Map<String, String> firstRejection = new ConcurrentHashMap<>();

    @Override
    public Integer call() throws Exception {
        if (vehicles < 1 || connections < 1 || stepSeconds < 1 || speeds.isEmpty() || speeds.stream().anyMatch(s -> !(s > 0))) {
            throw new WrongSettingException("need --vehicles >= 1, --connections >= 1, --step-seconds >= 1 and positive --speeds");
        }
        if (!(alertsPerHour >= 0) || !(sampleShare >= 0 && sampleShare < 1)) {
            throw new WrongSettingException("need --alerts-per-hour >= 0 and 0 <= --sample-share < 1");
        }
        PrintStream out = System.out;
        String run = Long.toString(System.currentTimeMillis(), 36);
        String root = "fleetbench-" + run;
        Path work = Files.createTempDirectory("sightline-bench-fleet-");
        List<String> args = new ArrayList<>(List.of("--server.port=0",
                "--sightline.ingest.mqtt.enabled=true", "--sightline.ingest.mqtt.url=" + mqttUrl,
                "--sightline.ingest.mqtt.topic-root=" + root, "--sightline.ingest.mqtt.share-group=" + root,
                "--sightline.alerts.mqtt.enabled=true", "--sightline.alerts.mqtt.url=" + mqttUrl,
                "--logging.level.root=WARN"));
        if (jdbcUrl != null && !jdbcUrl.isBlank()) {
            args.add("--spring.datasource.url=" + jdbcUrl);
        } else {
            args.add("--sightline.embedded-postgres.data-dir=" + work.resolve("pgdata"));
        }
        try (ConfigurableApplicationContext ctx = new SpringApplicationBuilder(SightlineCloudApplication.class)
                .web(WebApplicationType.SERVLET).logStartupInfo(false).run(args.toArray(String[]::new))) {
            CpuSample.watchEmbeddedPostgres(ctx.getEnvironment().getProperty("sightline.embedded-postgres.active-data-dir"));
            DeviceKeyRegistry keys = ctx.getBean(DeviceKeyRegistry.class);
            long t0 = System.currentTimeMillis() * 1_000_000L;
            Random rng = new Random(seed);
            List<Vehicle> fleet = new ArrayList<>(vehicles);
            Progress enrol = new Progress("enrol vehicles", vehicles);
            for (int i = 0; i < vehicles; i++) {
                Vehicle v = new Vehicle(i, run, t0, rng);
                keys.register(v.deviceId, v.signer.identity().publicKeyBase64());
                fleet.add(v);
                enrol.update(i + 1);
            }
            enrol.done();
            List<MqttAsyncClient> clients = connect(root, fleet);
            MqttClient alerts = alertListener(root);
            double eventsPerDrivingHour = fleet.get(0).expectedEventsPerHour();
            out.printf(Locale.ROOT, "fleet benchmark: %,d vehicles over %d MQTT connections to %s, cloud on %s%n", vehicles, connections,
                    mqttUrl, jdbcUrl != null ? jdbcUrl : "a fresh embedded PostgreSQL");
            out.printf(Locale.ROOT, "per vehicle: %,.0f uploaded events per driving hour (%.1f alert windows of 40 s, %.1f %% sampled in"
                            + " 30 s windows, 60 summaries, gap declarations; %d events per full frame), batches %s%n",
                    eventsPerDrivingHour, alertsPerHour, sampleShare * 100, EVENTS_PER_FRAME, deflate ? "deflated" : "plain JSON");
            out.println();
            out.println("speed  offered ev/s  acked ev/s   batches  ack p50 ms  ack p99 ms  alerts  visible p99 ms  backlog s  gen lag ms"
                    + "  cpu %  verdict");
            Double saturatedAt = null;
            double lastKeptUp = 0;
            double lastKeptUpOffered = 0;
            double saturatedOffered = 0;
            for (double speed : speeds) {
                StepStats s = new StepStats();
                stats = s;
                CpuSample cpu = CpuSample.now();
                long stepStart = System.nanoTime();
                drive(fleet, clients, root, speed, stepStart, stepStart + stepSeconds * SECOND);
                double elapsedS = (System.nanoTime() - stepStart) / 1e9;
                long backlog = 0;
                for (Vehicle v : fleet) {
                    backlog += v.unacknowledged();
                }
                double offeredRate = s.offered.get() / elapsedS;
                double backlogS = offeredRate > 0 ? backlog / offeredRate : 0;
                boolean keepsUp = backlogS < KEEPS_UP_BACKLOG_SECONDS && s.rejected.get() == 0;
                if (keepsUp) {
                    lastKeptUp = speed;
                    lastKeptUpOffered = offeredRate;
                } else if (saturatedAt == null) {
                    saturatedAt = speed;
                    saturatedOffered = offeredRate;
                }
                String verdict = (keepsUp ? "keeps up" : "SATURATED") + (s.generatorLagMaxNanos > SECOND ? " (vehicles fell behind)" : "")
                        + (s.rejected.get() > 0 ? " (" + s.rejected.get() + " batches refused)" : "");
                out.printf(Locale.ROOT, "%5.2f  %12.0f  %10.0f  %8d  %10.1f  %10.1f  %6d  %13.1f  %9.1f  %10.0f  %5.0f  %s%n", speed,
                        offeredRate, s.acked.get() / elapsedS, s.batches.get(), s.ackMicros.getValueAtPercentile(50) / 1e3,
                        s.ackMicros.getValueAtPercentile(99) / 1e3, s.alertMicros.getTotalCount(),
                        s.alertMicros.getTotalCount() == 0 ? Double.NaN : s.alertMicros.getValueAtPercentile(99) / 1e3, backlogS,
                        s.generatorLagMaxNanos / 1e6, busyPercent(cpu, CpuSample.now()), verdict);
                out.println("       " + cpuOfVehicles(cpu, CpuSample.now(), elapsedS, s.generatorCpuNanos.get()));
                out.printf(Locale.ROOT, "       (vehicles' wall time: making events %.1f s, signing %.1f s, publishing %.1f s)%n",
                        s.generateNanos.get() / 1e9, s.signNanos.get() / 1e9, s.publishNanos.get() / 1e9);
                if (!keepsUp) {
                    break;
                }
            }
            out.println();
            for (Map.Entry<String, String> e : firstRejection.entrySet()) {
                out.println("refused: " + e.getKey() + ": " + e.getValue());
            }
            if (saturatedAt == null) {
                out.printf(Locale.ROOT, "the cloud kept up at every step: %,d vehicles at %.2fx (%,.0f events/s offered), i.e. %,.0f vehicles"
                        + " driving in real time on this machine; not saturated%n", vehicles, lastKeptUp, lastKeptUpOffered, vehicles * lastKeptUp);
            } else {
                out.printf(Locale.ROOT, "saturated at %.2fx (%,.0f events/s offered); kept up at %.2fx (%,.0f events/s): %,.0f vehicles driving"
                                + " in real time on this machine%n", saturatedAt, saturatedOffered, lastKeptUp, lastKeptUpOffered,
                        vehicles * lastKeptUp);
            }
            drain(fleet, clients, root);
            long waitUntil = System.nanoTime() + 20 * SECOND;
            while (!alertSentNanos.isEmpty() && System.nanoTime() < waitUntil) {
                Thread.sleep(100);
            }
            synchronized (alertMicrosAll) {
                out.printf(Locale.ROOT, "alerts: %d raised by the vehicles, %d announced on the broker; visibility (vehicle publish ->"
                                + " notification) p50 %.1f ms, p99 %.1f ms, max %.1f ms over the whole run%n", alertsSent.get(),
                        alertMicrosAll.getTotalCount(), alertMicrosAll.getValueAtPercentile(50) / 1e3,
                        alertMicrosAll.getValueAtPercentile(99) / 1e3, alertMicrosAll.getMaxValue() / 1e3);
            }
            long expected = 0;
            for (Vehicle v : fleet) {
                expected += v.uploadEvents;
            }
            Long stored = new org.springframework.jdbc.core.JdbcTemplate(ctx.getBean(javax.sql.DataSource.class)).queryForObject(
                    "select count(*) from domain_event_entry where aggregate_identifier like ?", Long.class, "fleetbench-" + run + "-%");
            if (stored == null || stored != expected) {
                out.printf(Locale.ROOT, "MISMATCH: the vehicles uploaded %,d events and the store holds %,d of their sessions%n", expected,
                        stored);
                return 1;
            }
            out.printf(Locale.ROOT, "verified: the store holds exactly the %,d events the %,d vehicles uploaded, none lost or doubled%n",
                    expected, vehicles);
            for (MqttAsyncClient c : clients) {
                c.disconnect().waitForCompletion(10_000);
                c.close();
            }
            alerts.disconnect();
            alerts.close();
            return 0;
        } finally {
            IngestBench.deleteTree(work);
        }
    }

    /** Asynchronous clients: a vehicle's publish must not wait for the broker's PUBACK while the others are due. */
    private List<MqttAsyncClient> connect(String root, List<Vehicle> fleet) throws MqttException {
        List<MqttAsyncClient> clients = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            MqttAsyncClient client = new MqttAsyncClient(mqttUrl, root + "-veh-" + c, new MemoryPersistence());
            client.setCallback(new MqttCallback() {
                @Override
                public void connectionLost(Throwable cause) {
                    System.err.println("sightline: vehicle connection lost: " + cause);
                }

                @Override
                public void messageArrived(String topic, MqttMessage message) {
                    onAck(fleet, topic, message.getPayload());
                }

                @Override
                public void deliveryComplete(IMqttDeliveryToken token) {
                }
            });
            MqttConnectOptions o = new MqttConnectOptions();
            o.setCleanSession(true);
            o.setMaxInflight(1_000);
            o.setKeepAliveInterval(30);
            client.connect(o).waitForCompletion(30_000);
            List<String> topics = new ArrayList<>();
            for (Vehicle v : fleet) {
                if (v.index % connections == c) {
                    topics.add(root + "/" + FLEET + "/" + v.vehicleId + "/ack");
                }
            }
            for (int first = 0; first < topics.size(); first += 100) {
                List<String> chunk = topics.subList(first, Math.min(topics.size(), first + 100));
                client.subscribe(chunk.toArray(String[]::new), chunk.stream().mapToInt(t -> 1).toArray()).waitForCompletion(30_000);
            }
            clients.add(client);
        }
        return clients;
    }

    private MqttClient alertListener(String root) throws MqttException {
        MqttClient client = new MqttClient(mqttUrl, root + "-alerts", new MemoryPersistence());
        client.setCallback(new MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
                System.err.println("sightline: alert listener lost its connection: " + cause);
            }

            @Override
            public void messageArrived(String topic, MqttMessage message) {
                long now = System.nanoTime();
                try {
                    JsonNode n = json.readTree(message.getPayload());
                    if ("raised".equals(n.path("type").asText())) {
                        Long sent = alertSentNanos.remove(n.path("alertId").asText());
                        if (sent != null) {
                            long micros = Math.max(0, (now - sent) / 1_000);
                            stats.alertMicros.recordValue(micros);
                            synchronized (alertMicrosAll) {
                                alertMicrosAll.recordValue(micros);
                            }
                        }
                    }
                } catch (java.io.IOException | RuntimeException e) {
                    System.err.println("sightline: unreadable alert notification: " + e);
                }
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {
            }
        });
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(true);
        client.connect(o);
        client.subscribe(root + "/" + FLEET + "/+/alerts", 1);
        return client;
    }

    private void onAck(List<Vehicle> fleet, String topic, byte[] payload) {
        long now = System.nanoTime();
        String[] parts = topic.split("/");
        Vehicle v = fleet.get(Integer.parseInt(parts[2].substring("veh-".length())));
        try {
            JsonNode n = json.readTree(payload);
            StepStats s = stats;
            synchronized (v) {
                if (!n.path("batchId").asText("").equals(v.inFlightBatchId)) {
                    return;
                }
                s.ackMicros.recordValue(Math.max(0, (now - v.inFlightSentNanos) / 1_000));
                if ("ACKNOWLEDGED".equals(n.path("status").asText())) {
                    s.acked.addAndGet(v.inFlightEvents);
                    v.ackedThrough = v.inFlightThrough;
                } else {
                    s.rejected.incrementAndGet();
                    firstRejection.putIfAbsent(v.vehicleId, n.path("status").asText() + " " + n.path("reason").asText() + ": "
                            + n.path("detail").asText());
                    // what was refused is not resent: the step reports it
                    v.ackedThrough = v.inFlightThrough;
                }
                v.inFlightBatchId = null;
            }
        } catch (java.io.IOException | RuntimeException e) {
            System.err.println("sightline: unreadable acknowledgement on " + topic + ": " + e);
        }
    }

    /** Runs the fleet at {@code speed} until {@code endNanos}: two threads, each ticking half the vehicles. */
    private void drive(List<Vehicle> fleet, List<MqttAsyncClient> clients, String root, double speed, long startNanos, long endNanos)
            throws InterruptedException {
        for (Vehicle v : fleet) {
            v.stepBaseNanos = v.driveNanos;
        }
        int threads = 2;
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int me = t;
            Thread w = new Thread(() -> {
                // each vehicle advances its drive one second at a time: a batch per driving second at most, as the uploader sends
                long tickNanos = Math.round(SECOND / speed);
                for (long next = startNanos; next < endNanos; next += Math.min(tickNanos, 100_000_000L)) {
                    long now = System.nanoTime();
                    if (next > now) {
                        sleepNanos(next - now);
                    } else if (now - next > stats.generatorLagMaxNanos) {
                        stats.generatorLagMaxNanos = now - next;
                    }
                    long drivenNanos = Math.round((Math.min(System.nanoTime(), endNanos) - startNanos) * speed);
                    for (int i = me; i < fleet.size(); i += threads) {
                        Vehicle v = fleet.get(i);
                        long a = System.nanoTime();
                        v.advanceTo(v.stepBaseNanos + drivenNanos);
                        stats.generateNanos.addAndGet(System.nanoTime() - a);
                        v.trySend(clients.get(v.index % connections), root);
                    }
                }
                stats.generatorCpuNanos.addAndGet(java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime());
            }, "fleet-bench-" + t);
            w.start();
            workers.add(w);
        }
        for (Thread w : workers) {
            w.join();
        }
    }

    private void drain(List<Vehicle> fleet, List<MqttAsyncClient> clients, String root) throws InterruptedException {
        // a saturated step leaves minutes of backlog on the vehicles: the verification waits for all of it
        long deadline = System.nanoTime() + 600 * SECOND;
        for (Vehicle v : fleet) {
            v.end();
        }
        long left = 0;
        for (Vehicle v : fleet) {
            left += v.unacknowledged();
        }
        Progress progress = new Progress("drain the vehicles' backlog", Math.max(1, left));
        while (System.nanoTime() < deadline) {
            long pending = 0;
            for (Vehicle v : fleet) {
                v.trySend(clients.get(v.index % connections), root);
                pending += v.unacknowledged();
            }
            progress.update(Math.max(0, left - pending));
            if (pending == 0) {
                progress.done();
                return;
            }
            Thread.sleep(100);
        }
        System.err.println("sightline: some vehicles still held unacknowledged events after 10 minutes of draining; the cloud is"
                + " not keeping up even without new load (see its log)");
    }

    /** The machine's busy share between two samples, %. */
    static double busyPercent(CpuSample before, CpuSample after) {
        long total = after.machineTotalTicks() - before.machineTotalTicks();
        return total > 0 ? 100.0 * (after.machineBusyTicks() - before.machineBusyTicks()) / total : Double.NaN;
    }

    /** What the simulated vehicles themselves cost this machine (generating, signing, publishing): not the cloud's. */
    static String cpuOfVehicles(CpuSample before, CpuSample after, double seconds, long generatorCpuNanos) {
        long ticks = 0;
        for (Map.Entry<String, Long> e : after.threadTicks().entrySet()) {
            if (e.getKey().startsWith("MQTT")) {
                ticks += e.getValue() - before.threadTicks().getOrDefault(e.getKey(), 0L);
            }
        }
        return String.format(Locale.ROOT, "(of this machine's %d cores, the simulated vehicles used %.2f generating and signing, and the"
                        + " MQTT clients' threads %.2f; the rest is the cloud, PostgreSQL and the broker)",
                Runtime.getRuntime().availableProcessors(), generatorCpuNanos / 1e9 / seconds, ticks / 100.0 / seconds);
    }

    private static void sleepNanos(long nanos) {
        try {
            TimeUnit.NANOSECONDS.sleep(nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static RiskFactor factor(Factor f, double value, double threshold) {
        return new RiskFactor(f.key(), value, f.unit().symbol(), f.comparison().symbol(), threshold,
                f.comparison().margin(value, threshold), f.comparison().holds(value, threshold));
    }

    /** One simulated vehicle: its session, its tier windows, its unsent events and its one batch in flight. */
    final class Vehicle {
        final int index;
        final String vehicleId;
        final String deviceId;
        final String sessionId;
        final BatchSigner signer;
        final long t0Nanos;
        final long alertPeriodNanos;
        final long alertPhaseNanos;
        final long samplePeriodNanos;
        final long samplePhaseNanos;
        /** Driving time reached, since the session start. */
        long driveNanos;
        /** Driving time at the start of the current step. */
        long stepBaseNanos;
        long sequence;
        long frame;
        int minute;
        int alerts;
        /** The first skipped sequence and time of the gap being accumulated, or -1. */
        long gapFromSequence = -1;
        long gapFromNanos;
        long gapLastNanos;
        final List<EdgeJournal.StoredEvent> unsent = new ArrayList<>();
        /** Every event this vehicle made to upload; the store must end up with exactly these. */
        long uploadEvents;
        final List<String> unsentAlerts = new ArrayList<>();
        String inFlightBatchId;
        long inFlightSentNanos;
        int inFlightEvents;
        long inFlightThrough = -1;
        long ackedThrough = -1;
        List<String> inFlightAlerts = List.of();

        Vehicle(int index, String run, long t0Nanos, Random rng) {
            this.index = index;
            this.vehicleId = "veh-" + index;
            this.deviceId = "fleetbench-" + run + "-dev-" + index;
            this.sessionId = "fleetbench-" + run + "-" + index;
            this.signer = new BatchSigner(DeviceIdentity.generate(deviceId), json);
            this.t0Nanos = t0Nanos;
            this.alertPeriodNanos = alertsPerHour > 0 ? Math.round(3600 * SECOND / alertsPerHour) : Long.MAX_VALUE;
            this.alertPhaseNanos = alertsPerHour > 0 ? ALERT_BEFORE_NANOS + (long) (rng.nextDouble() * alertPeriodNanos) : 0;
            this.samplePeriodNanos = sampleShare > 0 ? Math.round(SAMPLE_WINDOW_NANOS / sampleShare) : Long.MAX_VALUE;
            this.samplePhaseNanos = sampleShare > 0 ? (long) (rng.nextDouble() * samplePeriodNanos) : 0;
            add(t0Nanos, new DriveSessionStarted(sessionId, FLEET, vehicleId, deviceId, VersionCommand.version(), t0Nanos,
                    new CameraCalibration("udacity-540p-assumed-v1", 700, 700, 480, 270, 960, 540, 1.3, 0.0, true), "sightline-risk-1.1.0",
                    Map.of("fcw.ttcWarnS", 2.1)));
            add(t0Nanos, new ModelActivated("yolox-nano", "0.1.1rc0", MODEL_SHA256, "primary", "images", List.of(1, 3, 416, 416), "NCHW",
                    "BGR 0..255", "yolox-anchor-free", List.of("person", "bicycle", "car", "motorbike", "bus", "truck"), "Apache-2.0",
                    "Kazuhito00/YOLOX-ONNX-TFLite-Sample@3d4f1119", t0Nanos));
        }

        double expectedEventsPerHour() {
            double fullSeconds = alertsPerHour * (ALERT_BEFORE_NANOS + ALERT_AFTER_NANOS) / 1e9 + 3600 * sampleShare;
            return fullSeconds * 25 * EVENTS_PER_FRAME + 60 /* summaries */ + 60 + 2 * (alertsPerHour + 3600 * sampleShare / 30) /* gaps */;
        }

        /** The first alert at or after drive time {@code t}, or {@code Long.MAX_VALUE} without alerts. */
        private long nextAlert(long t) {
            if (alertsPerHour <= 0) {
                return Long.MAX_VALUE;
            }
            long k = Math.max(0, -Math.floorDiv(alertPhaseNanos - t, alertPeriodNanos));
            return alertPhaseNanos + k * alertPeriodNanos;
        }

        /** Whether drive time {@code t} is inside some alert's causal window (windows may overlap). */
        private boolean inAlertWindow(long t) {
            if (alertsPerHour <= 0) {
                return false;
            }
            if (nextAlert(t) - t <= ALERT_BEFORE_NANOS) {
                return true;
            }
            long k = Math.floorDiv(t - alertPhaseNanos, alertPeriodNanos);
            return k >= 0 && t - (alertPhaseNanos + k * alertPeriodNanos) <= ALERT_AFTER_NANOS;
        }

        private boolean sampled(long t) {
            if (sampleShare <= 0) {
                return false;
            }
            long offset = Math.floorMod(t - samplePhaseNanos, samplePeriodNanos);
            return offset < SAMPLE_WINDOW_NANOS;
        }

        synchronized void advanceTo(long targetDriveNanos) {
            while ((frame + 1) * FRAME_NANOS <= targetDriveNanos) {
                long t = frame * FRAME_NANOS;
                if (t >= (minute + 1) * 60 * SECOND) {
                    closeGap();
                    summary(t);
                    minute++;
                }
                if (inAlertWindow(t) || sampled(t)) {
                    closeGap();
                    fullFrame(t, nextAlert(t) < t + FRAME_NANOS);
                } else {
                    if (gapFromSequence < 0) {
                        gapFromSequence = sequence;
                        gapFromNanos = t0Nanos + t;
                    }
                    gapLastNanos = t0Nanos + t;
                    sequence += EVENTS_PER_FRAME;
                }
                frame++;
            }
            driveNanos = Math.max(driveNanos, frame * FRAME_NANOS);
        }

        void end() {
            synchronized (this) {
                closeGap();
                long at = t0Nanos + frame * FRAME_NANOS;
                add(at, new DriveSessionEnded(sessionId, at, "bench finished", frame, 0));
            }
        }

        private void closeGap() {
            if (gapFromSequence >= 0) {
                TierGapDeclared gap = new TierGapDeclared(gapFromSequence, sequence, gapFromNanos, gapLastNanos, 0.15, sampleShare,
                        SAMPLE_WINDOW_NANOS, seed);
                // the gap takes the sequence of its first skipped event; the next event follows its last
                addAt(gapFromSequence, gapFromNanos, gap);
                gapFromSequence = -1;
            }
        }

        private void summary(long t) {
            long at = t0Nanos + t;
            List<EdgeWindowSummarized.StageLatency> latencies = List.of(
                    new EdgeWindowSummarized.StageLatency("decode", 1_500, 2_000, 3_000, 3_500, 4_000),
                    new EdgeWindowSummarized.StageLatency("detect", 1_500, 9_000, 12_000, 14_000, 18_000));
            add(at, new EdgeWindowSummarized(sessionId, minute, minute * 1_500L, minute * 1_500L + 1_499, at - 60 * SECOND, at, 1_500, 30, 0,
                    MODEL_SHA256, latencies, new EdgeWindowSummarized.ImageStatistics(500, 110, 50, 0.2, 300), 2.5, List.of(),
                    List.of(10L, 40L, 80L, 30L, 10L, 3L, 1L), List.of(sessionId + "/model")));
        }

        private void fullFrame(long t, boolean raisesAlert) {
            long at = t0Nanos + t;
            String frameId = sessionId + "/frame/" + frame;
            String frameEvent = add(at, new FrameCaptured(frameId, frame, t, 960, 540, "fleet-bench", null));
            String state = add(at, new VehicleStateSampled(at, 24.5 + Math.sin(frame / 50.0), 0.001, -0.05, null, null, "synthetic"));
            String[] dets = new String[4];
            for (int d = 0; d < 4; d++) {
                double x = 200 + d * 150 + (frame % 50);
                dets[d] = add(at, new DetectionObserved(frameId + "/d" + d, frameId, 2, "car", 0.9 - d * 0.1,
                        new BoxPx(x, 300, x + 90, 360), "yolox-nano", "0.1.1rc0", MODEL_SHA256, List.of(frameEvent)));
            }
            String risk = null;
            for (int k = 0; k < 3; k++) {
                double x = 200 + k * 150 + (frame % 50);
                String track = add(at, new TrackUpdated("t" + k, frameId, "car", new BoxPx(x, 300, x + 90, 360), 25.0 + k * 10, 0.0,
                        TrackState.CONFIRMED, (int) frame + 1, (int) frame + 1, 0.88, List.of(dets[k])));
                double ttc = raisesAlert && k == 0 ? 1.9 : 21.3 + k;
                String r = add(at, new RiskAssessed(frameId + "/risk/" + k, frameId, "t" + k, "FORWARD_COLLISION", "sightline-risk-1.1.0",
                        ttc < 3.4 ? "WARNING" : "NONE", 32.0, 1.5, 0.0, ttc, 24.5, List.of(factor(Factor.FCW_TTC, ttc, 3.4),
                        factor(Factor.FCW_EGO_SPEED, 24.5, 8.0)), List.of(track, state)));
                if (k == 0) {
                    risk = r;
                }
            }
            if (raisesAlert) {
                String alertId = sessionId + "/alert/" + (++alerts);
                // the alert replaces nothing: the full stream counted it already among the frame's events
                add(at, new AlertRaised(alertId, "FORWARD_COLLISION", "WARNING", "t0", "sightline-risk-1.1.0", at, List.of(risk)));
                unsentAlerts.add(alertId);
            }
        }

        private String add(long atNanos, SightlineEvent e) {
            return addAt(sequence++, atNanos, e);
        }

        private String addAt(long seq, long atNanos, SightlineEvent e) {
            String id = sessionId + "/" + seq;
            try {
                String wire = json.writeValueAsString(codec.encode(new EventEnvelope(id, seq, atNanos, e)));
                unsent.add(new EdgeJournal.StoredEvent(seq, id, atNanos, wire));
                uploadEvents++;
            } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
                throw new IllegalStateException("cannot encode " + e, ex);
            }
            stats.offered.incrementAndGet();
            return id;
        }

        synchronized long unacknowledged() {
            return unsent.size() + (inFlightBatchId != null ? inFlightEvents : 0);
        }

        /** Sends what accumulated, unless a batch is in flight: the uploader's own backpressure. */
        void trySend(MqttAsyncClient client, String root) {
            SignedBatch batch;
            List<String> alertIds;
            int n;
            synchronized (this) {
                if (inFlightBatchId != null || unsent.isEmpty()) {
                    return;
                }
                n = Math.min(unsent.size(), MAX_EVENTS_PER_BATCH);
                List<EdgeJournal.StoredEvent> events = new ArrayList<>(unsent.subList(0, n));
                unsent.subList(0, n).clear();
                long signStart = System.nanoTime();
                batch = signer.sign(sessionId, events);
                stats.signNanos.addAndGet(System.nanoTime() - signStart);
                alertIds = new ArrayList<>(unsentAlerts);
                unsentAlerts.clear();
                inFlightBatchId = batch.batchId();
                inFlightEvents = n;
                inFlightThrough = events.get(n - 1).sequence();
                inFlightSentNanos = System.nanoTime();
            }
            try {
                MqttMessage m = new MqttMessage(batch.toWireBytes(json, deflate));
                m.setQos(1);
                long sent = System.nanoTime();
                for (String a : alertIds) {
                    alertSentNanos.put(a, sent);
                }
                alertsSent.addAndGet(alertIds.size());
                client.publish(root + "/" + FLEET + "/" + vehicleId + "/events", m);
                stats.publishNanos.addAndGet(System.nanoTime() - sent);
                stats.batches.incrementAndGet();
            } catch (MqttException e) {
                System.err.println("sightline: publish of " + vehicleId + "'s batch failed: " + e);
                synchronized (this) {
                    inFlightBatchId = null;
                }
            }
        }
    }
}
