package io.sightline.uplink.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.cloud.evidence.AlertEvidenceService;
import io.sightline.cloud.ingest.DeviceKeyRegistry;
import io.sightline.cloud.ingest.SignedBatchIngestion;
import io.sightline.cloud.trace.AlertExplanation;
import io.sightline.cloud.trace.ExplainService;
import io.sightline.domain.event.AlertRaised;
import io.sightline.domain.event.DriveSessionEnded;
import io.sightline.domain.event.EventEnvelope;
import io.sightline.domain.event.TierGapDeclared;
import io.sightline.domain.ingest.EventCodec;
import io.sightline.explain.trace.TraceNode;
import io.sightline.testkit.Await;
import io.sightline.testkit.TestPostgres;
import io.sightline.uplink.VehicleSimulator;
import io.sightline.uplink.journal.EdgeJournal;
import io.sightline.uplink.sign.BatchSigner;
import io.sightline.uplink.sign.DeviceIdentity;
import io.sightline.uplink.tier.TierSelector;
import io.sightline.uplink.tier.UploadTiers;
import io.sightline.uplink.transport.UplinkReply;
import io.sightline.uplink.upload.Uploader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same drive uploaded in full into one real cloud and by tier into another (each on its own
 * PostgreSQL database): every alert's trace, narrative, margins and evidence come out the same,
 * while the tiered store holds a fraction of the events and declares the rest.
 */
class TieredUploadEndToEndTest {

    static final long T0 = 1_764_000_000_000_000_000L;
    static final EventCodec CODEC = new EventCodec();
    static final String SESSION = "tiers-drive";
    /** 3 minutes at 25 fps with an alert every minute (cleared 1.2 s later): the windows cover two thirds, the rest is declared. */
    static final int FRAMES = 4_600;
    static final int ALERT_EVERY = 1_500;

    @TempDir
    Path dir;

    @Test
    void alertsExplainTheSameFromATieredUploadAsFromAFullOneAndAForgedGapIsRefused() {
        DeviceIdentity device = DeviceIdentity.loadOrCreate(dir.resolve("dev.key"), "dev-tiers");
        Map<String, String> full;
        long fullEvents;
        try (CloudNode cloud = CloudNode.start(TestPostgres.freshDatabase("tiers_full"), false, null, null, null);
             EdgeJournal journal = EdgeJournal.open(dir.resolve("full.db"), 256L << 20)) {
            cloud.bean(DeviceKeyRegistry.class).register(device.deviceId(), device.publicKeyBase64());
            drive(journal, device);
            Uploader uploader = new Uploader(journal, new BatchSigner(device, CODEC.mapper()),
                    Uplinks.inProcess(cloud.bean(SignedBatchIngestion.class), CODEC.mapper()), UploaderEndToEndTest.fast());
            assertThat(UploaderEndToEndTest.uploaderDrains(uploader)).isTrue();
            full = explanations(cloud);
            fullEvents = stored(cloud);
        }
        assertThat(full).hasSize(FRAMES / ALERT_EVERY);

        UploadTiers tiers = UploadTiers.defaults().withSample(0, 1);
        try (CloudNode cloud = CloudNode.start(TestPostgres.freshDatabase("tiers_tiered"), false, null, null, null);
             EdgeJournal journal = EdgeJournal.open(dir.resolve("tiered.db"), 256L << 20, tiers::opensWindow)) {
            cloud.bean(DeviceKeyRegistry.class).register(device.deviceId(), device.publicKeyBase64());
            drive(journal, device);
            Uploader uploader = new Uploader(journal, new BatchSigner(device, CODEC.mapper()),
                    Uplinks.inProcess(cloud.bean(SignedBatchIngestion.class), CODEC.mapper()), UploaderEndToEndTest.fast(), tiers,
                    io.sightline.uplink.transport.WindowAnswer.Sink.NONE);
            assertThat(UploaderEndToEndTest.uploaderDrains(uploader)).isTrue();
            assertThat(journal.session(SESSION).ackedSequence()).isEqualTo(journal.session(SESSION).nextSequence());

            Map<String, String> tiered = explanations(cloud);
            assertThat(tiered).isEqualTo(full);
            long tieredEvents = stored(cloud);
            assertThat(tieredEvents).as("the tiered store holds fewer events").isLessThan(fullEvents * 3 / 4);
            assertThat(uploader.tierCounts()).containsKeys("SAFETY", "SUMMARY", "GAP");

            // Every edge sequence is either stored or inside a declared gap: no silent hole.
            List<Long> storedSequences = cloud.jdbc().queryForList("select coalesce((convert_from(meta_data, 'UTF8')::json->>'edgeSequence')::bigint,"
                    + " sequence_number) from domain_event_entry where aggregate_identifier = ? order by sequence_number", Long.class, SESSION);
            long declared = uploader.tierCounts().get("GAP").events();
            long gapEvents = cloud.jdbc().queryForObject("select count(*) from domain_event_entry where aggregate_identifier = ?"
                    + " and payload_type = ?", Long.class, SESSION, TierGapDeclared.class.getName());
            assertThat(storedSequences.size() - gapEvents + declared).isEqualTo(journal.session(SESSION).nextSequence());

            forgedGapIsRefused(cloud, device);
        }
    }

    /** A gap right after an alert, inside its T+10 s: signed by the registered device, still refused, nothing stored. */
    private void forgedGapIsRefused(CloudNode cloud, DeviceIdentity device) {
        String session = "tiers-forged";
        VehicleSimulator sim = new VehicleSimulator(session, "fleet-tiers", "veh-f", device.deviceId(), T0, 0);
        List<EdgeJournal.StoredEvent> batch = new ArrayList<>();
        for (EdgeJournal.NewEvent e : sim.start()) {
            batch.add(wire(new EventEnvelope(e.eventId(), batch.size(), e.occurredAtNanos(), e.payload())));
        }
        long alertAt = T0 + 1_000_000_000L;
        batch.add(wire(new EventEnvelope(session + "/alert", 2, alertAt, new AlertRaised(session + "/alert/0", "FCW", "WARNING", "t1",
                "policy-v1", alertAt, List.of("r")))));
        batch.add(TierSelector.wire(session, new TierGapDeclared(3, 500, alertAt + 2_000_000_000L, alertAt + 60_000_000_000L, 0.15, 0.02,
                30_000_000_000L, 1), CODEC));
        UplinkReply reply;
        try {
            reply = Uplinks.inProcess(cloud.bean(SignedBatchIngestion.class), CODEC.mapper())
                    .send(new BatchSigner(device, CODEC.mapper()).sign(session, batch));
        } catch (io.sightline.uplink.transport.TransportException e) {
            throw new AssertionError("the cloud should decide, not ask for a retry: " + e.getMessage(), e);
        }
        assertThat(reply.status()).isEqualTo(UplinkReply.Status.REJECTED);
        assertThat(reply.reason()).isEqualTo("TIER_GAP_UNJUSTIFIED");
        assertThat(reply.detail()).contains("causal window");
        assertThat(cloud.jdbc().queryForObject("select count(*) from domain_event_entry where aggregate_identifier = ?", Long.class, session))
                .isZero();
    }

    static EdgeJournal.StoredEvent wire(EventEnvelope e) {
        try {
            return new EdgeJournal.StoredEvent(e.sequence(), e.eventId(), e.occurredAtNanos(), CODEC.mapper().writeValueAsString(CODEC.encode(e)));
        } catch (com.fasterxml.jackson.core.JsonProcessingException x) {
            throw new IllegalStateException(x);
        }
    }

    private static void drive(EdgeJournal journal, DeviceIdentity device) {
        VehicleSimulator sim = new VehicleSimulator(SESSION, "fleet-tiers", "veh-1", device.deviceId(), T0, ALERT_EVERY);
        journal.append(SESSION, sim.start());
        for (int i = 0; i < FRAMES; i += 500) {
            journal.append(SESSION, sim.frames(Math.min(500, FRAMES - i)));
        }
        journal.append(SESSION, List.of(new EdgeJournal.NewEvent(SESSION + "/end", sim.nowNanos(),
                new DriveSessionEnded(SESSION, sim.nowNanos(), "end-of-drive", FRAMES, 0))));
    }

    private static long stored(CloudNode cloud) {
        return cloud.jdbc().queryForObject("select count(*) from domain_event_entry where aggregate_identifier = ?", Long.class, SESSION);
    }

    /**
     * Each alert's explanation as text: trace nodes (id, type, role, edge sequence, time, summary,
     * payload), edges, truncated and missing causes, narrative, margins, evidence. Global indexes
     * are store positions and differ between any two stores, so they are left out.
     */
    private static Map<String, String> explanations(CloudNode cloud) {
        List<String> alertIds = Await.value("the three alerts projected", Duration.ofSeconds(60),
                () -> cloud.jdbc().queryForList("select alert_id from alerts where session_id = ? order by alert_id", String.class, SESSION),
                ids -> ids.size() == FRAMES / ALERT_EVERY, () -> "");
        Map<String, String> out = new TreeMap<>();
        for (String alertId : alertIds) {
            // Consequences come from the trace-edges projection: wait until the clearing shows, then until two reads agree.
            String text = Await.value("the explanation of " + alertId + " to settle", Duration.ofSeconds(60), new java.util.function.Supplier<>() {
                String previous;

                @Override
                public String get() {
                    String now = describe(cloud, alertId);
                    String settled = now.equals(previous) && now.contains("AlertCleared") ? now : null;
                    previous = now;
                    return settled;
                }
            }, v -> v != null, () -> "");
            out.put(alertId, text);
        }
        return out;
    }

    private static String describe(CloudNode cloud, String alertId) {
        AlertExplanation e = cloud.bean(ExplainService.class).explain(alertId, "fleet-tiers").orElseThrow();
        Map<String, String> nodes = new TreeMap<>();
        for (TraceNode n : e.trace().nodes().values()) {
            nodes.put(n.eventId(), n.type() + "|" + n.role() + "|" + n.event().sequence() + "|" + n.occurredAtNanos() + "|" + n.summary()
                    + "|" + n.event().payload());
        }
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("nodes", nodes);
        view.put("edges", e.trace().edges().stream().map(Object::toString).sorted().toList());
        view.put("truncated", new java.util.TreeSet<>(e.trace().truncatedCauseIds()));
        view.put("missing", new java.util.TreeSet<>(e.trace().missingCauseIds()));
        view.put("narrative", e.narrative());
        view.put("margins", e.margins());
        view.put("evidence", cloud.bean(AlertEvidenceService.class).forAlert(alertId, "fleet-tiers").orElseThrow());
        return view.toString();
    }
}
