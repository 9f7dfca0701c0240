package io.sightline.uplink.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sightline.cloud.ingest.DeviceKeyRegistry;
import io.sightline.domain.event.FrameCaptured;
import io.sightline.domain.ingest.EventCodec;
import io.sightline.testkit.TestPostgres;
import io.sightline.uplink.VehicleSimulator;
import io.sightline.uplink.evidence.EvidenceStore;
import io.sightline.uplink.evidence.EvidenceUploader;
import io.sightline.uplink.evidence.HttpEvidenceTransport;
import io.sightline.uplink.journal.EdgeJournal;
import io.sightline.uplink.journal.EdgeJournal.NewEvent;
import io.sightline.uplink.sign.BatchSigner;
import io.sightline.uplink.sign.DeviceIdentity;
import io.sightline.uplink.sign.EvidenceSigner;
import io.sightline.uplink.transport.HttpUplinkTransport;
import io.sightline.uplink.transport.TransportException;
import io.sightline.uplink.upload.Uploader;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Evidence from the real edge store to the real cloud over HTTP ({@code PUT /api/v1/evidence/{sha256}}),
 * beside the event uploader: only frames inside an alert window go, pictures that arrive before
 * their session's events are retried rather than lost, and a file damaged on disk is never sent.
 */
class EvidenceUploadEndToEndTest {

    static final long T0 = 1_764_000_000_000_000_000L;
    static final long SECOND = 1_000_000_000L;
    static final EventCodec CODEC = new EventCodec();
    static CloudNode cloud;

    @TempDir
    Path dir;

    @BeforeAll
    static void startCloud() {
        cloud = CloudNode.start(TestPostgres.freshDatabase("uplink_evidence"), true, null, null, null);
    }

    @AfterAll
    static void stopCloud() {
        cloud.close();
    }

    static byte[] jpeg(long seed) throws Exception {
        BufferedImage image = new BufferedImage(64, 36, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = image.createGraphics();
        g.setColor(new Color((int) (seed * 37 % 256), (int) (seed * 71 % 256), (int) (seed * 113 % 256)));
        g.fillRect(0, 0, 64, 36);
        g.setColor(Color.WHITE);
        g.drawString(Long.toString(seed), 4, 20);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "jpg", out);
        return out.toByteArray();
    }

    @Test
    void theWindowsEvidenceGoesUpOverHttpAfterItsSessionAndNothingElseDoes() throws Exception {
        String session = "e2e-evidence";
        DeviceIdentity device = DeviceIdentity.loadOrCreate(dir.resolve("dev-ev.key"), "dev-ev");
        cloud.bean(DeviceKeyRegistry.class).register("dev-ev", device.publicKeyBase64());
        // One frame per second; the danger starts at frame 70: an alert at 70 s, whose window is 40–80 s.
        VehicleSimulator sim = new VehicleSimulator(session, "fleet-ev", "veh-ev", "dev-ev", T0, 100, SECOND);
        String base = "http://127.0.0.1:" + cloud.port();
        try (EdgeJournal journal = EdgeJournal.open(dir.resolve("journal.db"), 256L << 20);
             EvidenceStore store = EvidenceStore.open(journal, 256L << 20)) {
            journal.append(session, sim.start());
            Set<String> inWindow = new HashSet<>();
            String damaged = null;
            for (int i = 0; i < 100; i++) {
                List<NewEvent> frame = new ArrayList<>();
                for (NewEvent e : sim.nextFrame()) {
                    if (e.payload() instanceof FrameCaptured f) {
                        String sha = store.put(session, f.frameId(), e.occurredAtNanos(), jpeg(i));
                        if (i >= 70 && i <= 80) {
                            inWindow.add(sha);
                        }
                        if (i == 75) {
                            damaged = sha;
                        }
                        e = new NewEvent(e.eventId(), e.occurredAtNanos(), f.withEvidence(sha));
                    }
                    frame.add(e);
                }
                journal.append(session, frame);
            }
            // The window also holds frames 40–69, journaled before the alert was raised.
            for (int i = 40; i < 70; i++) {
                inWindow.add(EvidenceStore.sha256Hex(jpeg(i)));
            }
            assertThat(store.pendingUploads(session)).isEqualTo(41);
            // Damaged on disk after it was stored (a short write at a power cut).
            Path damagedFile = store.path(damaged);
            byte[] bytes = Files.readAllBytes(damagedFile);
            Files.write(damagedFile, java.util.Arrays.copyOf(bytes, bytes.length / 2));

            EvidenceUploader evidence = new EvidenceUploader(store, new EvidenceSigner(device),
                    new HttpEvidenceTransport(base, Duration.ofSeconds(30), CODEC.mapper()), EvidenceUploader.Settings.defaults());
            // Pictures first: the cloud has no events of the session yet and says "later", which is not a loss.
            assertThatThrownBy(evidence::drainOnce).isInstanceOf(TransportException.class).hasMessageContaining("SESSION_NOT_INGESTED");
            assertThat(evidence.stats().retries()).isEqualTo(1);
            assertThat(store.pendingUploads(session)).isEqualTo(41);

            Uploader events = new Uploader(journal, new BatchSigner(device, CODEC.mapper()),
                    new HttpUplinkTransport(base, Duration.ofSeconds(30), CODEC.mapper()), Uploader.Settings.defaults());
            assertThat(events.drainOnce()).isTrue();
            assertThat(evidence.drainOnce()).isTrue();

            Set<String> inCloud = new HashSet<>();
            for (String sha : cloud.jdbc().queryForList("select sha256 from evidence_frame where session_id = ?", String.class, session)) {
                inCloud.add(sha.trim());
            }
            Set<String> expected = new HashSet<>(inWindow);
            expected.remove(damaged);
            assertThat(inCloud).isEqualTo(expected).hasSize(40);
            assertThat(evidence.stats().uploaded()).isEqualTo(40);
            assertThat(evidence.stats().lost()).isEqualTo(1);
            assertThat(cloud.jdbc().queryForObject("select fleet_id from evidence_frame where session_id = ? limit 1", String.class,
                    session)).isEqualTo("fleet-ev");
            // The damaged one stays missing (refused as lost), everything else is done; a second pass sends nothing.
            assertThat(store.pendingUploads(session)).isEqualTo(1);
            assertThat(evidence.drainOnce()).isTrue();
            assertThat(evidence.stats().uploaded()).isEqualTo(40);
        }
    }
}
