package io.sightline.uplink.it;

import io.sightline.testkit.Await;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.cloud.ingest.DeviceKeyRegistry;
import io.sightline.cloud.ingest.IngestRejectionCounter;
import io.sightline.cloud.ingest.SignedBatchIngestion;
import io.sightline.domain.ingest.EventCodec;
import io.sightline.testkit.TestPostgres;
import io.sightline.uplink.VehicleSimulator;
import io.sightline.uplink.journal.EdgeJournal;
import io.sightline.uplink.sign.BatchSigner;
import io.sightline.uplink.sign.DeviceIdentity;
import io.sightline.uplink.transport.HttpUplinkTransport;
import io.sightline.uplink.transport.TransportException;
import io.sightline.uplink.transport.UplinkTransport;
import io.sightline.uplink.upload.Uploader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real journal and uploader against the real cloud (query-api on PostgreSQL), in-process and
 * over HTTP: restarts, lost acks, gaps, flaky links, unregistered keys.
 */
class UploaderEndToEndTest {

    static final long T0 = 1_764_000_000_000_000_000L;
    static final EventCodec CODEC = new EventCodec();
    static CloudNode cloud;

    @TempDir
    Path dir;

    @BeforeAll
    static void startCloud() {
        cloud = CloudNode.start(TestPostgres.freshDatabase("uplink_e2e"), true, null, null, null);
    }

    @AfterAll
    static void stopCloud() {
        cloud.close();
    }

    DeviceIdentity registeredDevice(String deviceId) {
        DeviceIdentity id = DeviceIdentity.loadOrCreate(dir.resolve(deviceId + ".key"), deviceId);
        cloud.bean(DeviceKeyRegistry.class).register(deviceId, id.publicKeyBase64());
        return id;
    }

    static Uploader.Settings fast() {
        // Small batches: the drives here are a few thousand events, and the lost-reply and gap cases need several batches.
        return Uploader.Settings.defaults().withBatch(500, 1 << 20).withBackoff(Duration.ofMillis(20), Duration.ofMillis(200));
    }

    UplinkTransport inProcess() {
        return Uplinks.inProcess(cloud.bean(SignedBatchIngestion.class), CODEC.mapper());
    }

    @Test
    void inProcessUploadSurvivesAnEdgeRestartWithoutResendingOrDoubling() {
        DeviceIdentity id = registeredDevice("dev-inproc");
        Path file = dir.resolve("inproc.db");
        VehicleSimulator sim = new VehicleSimulator("e2e-inproc", "fleet-e2e", "veh-1", id.deviceId(), T0, 250);
        try (EdgeJournal journal = EdgeJournal.open(file, 256L << 20)) {
            journal.append("e2e-inproc", sim.start());
            journal.append("e2e-inproc", sim.frames(700));
            Uploader uploader = new Uploader(journal, new BatchSigner(id, CODEC.mapper()), inProcess(), fast());
            assertThat(uploaderDrains(uploader)).isTrue();
            assertThat(uploader.stats().eventsAcknowledged()).isEqualTo(journal.session("e2e-inproc").nextSequence());
        }
        // After a restart the ack position comes from the journal: nothing is sent again, new events go on from there.
        try (EdgeJournal journal = EdgeJournal.open(file, 256L << 20)) {
            Uploader uploader = new Uploader(journal, new BatchSigner(DeviceIdentity.loadOrCreate(dir.resolve("dev-inproc.key"),
                    "dev-inproc"), CODEC.mapper()), inProcess(), fast());
            assertThat(uploaderDrains(uploader)).isTrue();
            assertThat(uploader.stats().batchesSent()).isZero();
            journal.append("e2e-inproc", sim.frames(50));
            assertThat(uploaderDrains(uploader)).isTrue();
            assertThat(uploader.stats().duplicateEvents()).isZero();
            Uplinks.assertStoreEqualsJournal(cloud.jdbc(), journal);
        }
    }

    @Test
    void lostAcksAreResentAsDuplicatesAndAGapIsResentFromWhereTheCloudSays() throws Exception {
        DeviceIdentity id = registeredDevice("dev-lossy");
        VehicleSimulator sim = new VehicleSimulator("e2e-lossy", "fleet-e2e", "veh-2", id.deviceId(), T0, 250);
        try (EdgeJournal journal = EdgeJournal.open(dir.resolve("lossy.db"), 256L << 20)) {
            journal.append("e2e-lossy", sim.start());
            journal.append("e2e-lossy", sim.frames(400));
            UplinkTransport real = inProcess();
            // The cloud stores every third batch but its reply is lost on the way back.
            AtomicInteger calls = new AtomicInteger();
            UplinkTransport lossy = batch -> {
                var reply = real.send(batch);
                if (calls.incrementAndGet() % 3 == 0) {
                    throw new TransportException("reply lost");
                }
                return reply;
            };
            Uploader uploader = new Uploader(journal, new BatchSigner(id, CODEC.mapper()), lossy, fast());
            assertThat(uploaderDrains(uploader)).isTrue();
            assertThat(uploader.stats().transportFailures()).isPositive();
            assertThat(uploader.stats().duplicateEvents()).as("resent batches are acknowledged as duplicates").isPositive();
            Uplinks.assertStoreEqualsJournal(cloud.jdbc(), journal);

            // The journal believes more is acknowledged than the cloud holds (say the cloud store was restored
            // from a backup): the cloud refuses the gap and names where to resend from.
            journal.append("e2e-lossy", sim.frames(200));
            long cloudHas = journal.session("e2e-lossy").ackedSequence();
            journal.acknowledge("e2e-lossy", cloudHas + 500);
            Uploader second = new Uploader(journal, new BatchSigner(id, CODEC.mapper()), real, fast());
            assertThat(uploaderDrains(second)).isTrue();
            assertThat(second.stats().gapResends()).isEqualTo(1);
            Uplinks.assertStoreEqualsJournal(cloud.jdbc(), journal);
        }
    }

    @Test
    void httpUploadRetriesThroughOutagesAndMeasuresItsRate() throws Exception {
        DeviceIdentity id = registeredDevice("dev-http");
        VehicleSimulator sim = new VehicleSimulator("e2e-http", "fleet-e2e", "veh-3", id.deviceId(), T0, 250);
        try (EdgeJournal journal = EdgeJournal.open(dir.resolve("http.db"), 256L << 20)) {
            journal.append("e2e-http", sim.start());
            journal.append("e2e-http", sim.frames(3_000));
            long events = journal.session("e2e-http").nextSequence();
            HttpUplinkTransport http = new HttpUplinkTransport("http://127.0.0.1:" + cloud.port(), Duration.ofSeconds(30), CODEC.mapper());
            // An outage: the first five attempts never reach the cloud.
            AtomicInteger attempts = new AtomicInteger();
            UplinkTransport flaky = batch -> {
                if (attempts.incrementAndGet() <= 5) {
                    throw new TransportException("link down");
                }
                return http.send(batch);
            };
            Uploader uploader = new Uploader(journal, new BatchSigner(id, CODEC.mapper()), flaky, fast());
            long start = System.nanoTime();
            uploader.start();
            Await.until("the cloud to acknowledge every event over flaky HTTP", Duration.ofSeconds(120),
                    () -> !journal.session("e2e-http").hasUnacked(), () -> "; " + journal.session("e2e-http"));
            double seconds = (System.nanoTime() - start) / 1e9;
            uploader.close();
            System.out.printf("HTTP uplink: %d events in %.2f s = %.0f events/s (one edge, batches of 500, with 5 failed attempts)%n",
                    events, seconds, events / seconds);
            assertThat(uploader.stats().transportFailures()).isGreaterThanOrEqualTo(5);
            Uplinks.assertStoreEqualsJournal(cloud.jdbc(), journal);
        }
    }

    @Test
    void anUnregisteredDeviceIsBlockedCountedAndUploadsOnceRegistered() throws Exception {
        DeviceIdentity id = DeviceIdentity.loadOrCreate(dir.resolve("late.key"), "dev-late");
        VehicleSimulator sim = new VehicleSimulator("e2e-late", "fleet-e2e", "veh-4", id.deviceId(), T0, 250);
        try (EdgeJournal journal = EdgeJournal.open(dir.resolve("late.db"), 256L << 20)) {
            journal.append("e2e-late", sim.start());
            journal.append("e2e-late", sim.frames(100));
            // A blocked session is retried after 2 s: long enough that the pass right after the refusal
            // skips it even on a loaded machine, short enough to wait for once the key is registered.
            Uploader.Settings settings = new Uploader.Settings(500, 1 << 20, Duration.ofMillis(20), Duration.ofMillis(200),
                    Duration.ofSeconds(2), Duration.ofMillis(50));
            Uploader uploader = new Uploader(journal, new BatchSigner(id, CODEC.mapper()), inProcess(), settings);
            assertThat(uploader.drainOnce()).isFalse();
            EdgeJournal.SessionState blocked = journal.session("e2e-late");
            assertThat(blocked.blockedReason()).startsWith("UNKNOWN_DEVICE").contains("register");
            assertThat(blocked.ackedSequence()).isZero();
            assertThat(cloud.jdbc().queryForObject("select count(*) from domain_event_entry where aggregate_identifier = 'e2e-late'",
                    Long.class)).isZero();
            assertThat(cloud.bean(IngestRejectionCounter.class).counts("dev-late")).containsEntry("UNKNOWN_DEVICE", 1L);
            // Blocked sessions wait out their retry delay; registering the key heals them.
            assertThat(uploader.drainOnce()).isTrue();
            assertThat(uploader.stats().batchesSent()).isEqualTo(1);
            cloud.bean(DeviceKeyRegistry.class).register("dev-late", id.publicKeyBase64());
            Await.until("the blocked session to be retried after its delay and accepted", Duration.ofSeconds(30),
                    () -> uploaderDrains(uploader) && journal.session("e2e-late").blockedReason() == null,
                    () -> "; " + journal.session("e2e-late"));
            assertThat(uploader.stats().batchesSent()).isGreaterThan(1);
            Uplinks.assertStoreEqualsJournal(cloud.jdbc(), journal);
        }
    }

    /** Runs passes until one completes; a transport failure backs off briefly and tries again. */
    static boolean uploaderDrains(Uploader uploader) {
        for (int i = 0; i < 200; i++) {
            try {
                if (uploader.drainOnce()) {
                    return true;
                }
            } catch (TransportException e) {
                try {
                    Thread.sleep(10);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return false;
    }
}
