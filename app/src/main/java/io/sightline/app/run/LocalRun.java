package io.sightline.app.run;

import io.sightline.runtime.EdgeDefaults;
import io.sightline.runtime.EdgePipeline;
import io.sightline.runtime.RunReport;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sightline.runtime.telemetry.EdgeTelemetry;
import io.sightline.cloud.ingest.DeviceKeyRegistry;
import io.sightline.cloud.ingest.SignedBatchIngestion;
import io.sightline.domain.ingest.EventCodec;
import io.sightline.cloud.evidence.EvidenceIngestion;
import io.sightline.uplink.evidence.EvidenceStore;
import io.sightline.uplink.evidence.EvidenceUploader;
import io.sightline.uplink.journal.EdgeJournal;
import io.sightline.uplink.sign.BatchSigner;
import io.sightline.uplink.sign.DeviceIdentity;
import io.sightline.uplink.sign.EvidenceSigner;
import io.sightline.uplink.upload.Uploader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.context.ApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The edge half of the all-in-one run, attached to a cloud in the same JVM: the device key (kept
 * beside the journal, registered with the cloud at start, since the demo has no administrator),
 * the journal, and the uploader over the in-process transport. The journal and key survive runs,
 * so a second run adds a session and anything a crashed run left unacknowledged is sent first.
 */
public final class LocalRun implements AutoCloseable {

    public static final String FLEET_ID = EdgeDefaults.FLEET_ID;
    public static final String VEHICLE_ID = EdgeDefaults.VEHICLE_ID;
    public static final String DEVICE_ID = EdgeDefaults.DEVICE_ID;
    /** How often the catch-up wait looks at the store; each look is three small indexed queries. */
    private static final long CATCH_UP_POLL_MILLIS = 100;

    public static final long EVIDENCE_BUDGET_BYTES = EdgeDefaults.EVIDENCE_BUDGET_BYTES;

    private final EdgeJournal journal;
    private final Uploader uploader;
    private final DeviceIdentity device;
    private final EvidenceStore evidence;
    private final EvidenceUploader evidenceUploader;
    private boolean evidenceClips = true;

    private LocalRun(EdgeJournal journal, Uploader uploader, DeviceIdentity device, EvidenceStore evidence,
                     EvidenceUploader evidenceUploader) {
        this.journal = journal;
        this.uploader = uploader;
        this.device = device;
        this.evidence = evidence;
        this.evidenceUploader = evidenceUploader;
    }

    /**
     * @param edgeDir where the journal ({@code journal.db}) and the device key file live
     */
    public static LocalRun attach(ApplicationContext cloud, Path edgeDir, String deviceId) {
        return attach(cloud, edgeDir, deviceId, true);
    }

    /**
     * @param keepEvidence keep an evidence JPEG of every frame beside the journal and upload those
     *                     of alert windows on their own uploader (the pipeline is given the store in {@link #run})
     */
    public static LocalRun attach(ApplicationContext cloud, Path edgeDir, String deviceId, boolean keepEvidence) {
        DeviceIdentity device = DeviceIdentity.loadOrCreate(edgeDir.resolve("device-" + deviceId + ".key"), deviceId);
        cloud.getBean(DeviceKeyRegistry.class).register(deviceId, FLEET_ID, device.publicKeyBase64());
        EdgeJournal journal = EdgeJournal.open(edgeDir.resolve("journal.db"), EdgePipeline.JOURNAL_BUDGET_BYTES,
                e -> e instanceof io.sightline.domain.event.AlertRaised, EdgeDefaults.JOURNAL_SYNC_INTERVAL);
        ObjectMapper mapper = new EventCodec().mapper();
        Uploader uploader = new Uploader(journal, new BatchSigner(device, mapper),
                InProcessTransport.over(cloud.getBean(SignedBatchIngestion.class), mapper), EdgeDefaults.uploaderSettings());
        uploader.start();
        // The safety apps' stream is fed from here: an appended frame's events leave at once, not at the next poll.
        journal.addAppendListener(uploader::wake);
        EvidenceStore evidence = null;
        EvidenceUploader evidenceUploader = null;
        if (keepEvidence) {
            evidence = EvidenceStore.open(journal, EVIDENCE_BUDGET_BYTES);
            evidenceUploader = new EvidenceUploader(evidence, new EvidenceSigner(device),
                    InProcessTransport.evidence(cloud.getBean(EvidenceIngestion.class)), EvidenceUploader.Settings.defaults());
            evidenceUploader.start();
        }
        return new LocalRun(journal, uploader, device, evidence, evidenceUploader);
    }


    public EdgeJournal journal() {
        return journal;
    }

    /**
     * Keeps evidence as clips of the source's own video per alert window (ADR-0037, the default) or,
     * with false, as a JPEG per frame with the boxes drawn (ADR-0008, the old form).
     */
    public LocalRun evidenceClips(boolean clips) {
        this.evidenceClips = clips;
        return this;
    }

    public Uploader uploader() {
        return uploader;
    }

    public String deviceId() {
        return device.deviceId();
    }

    /** The evidence store, or null when this run keeps no evidence. */
    public EvidenceStore evidence() {
        return evidence;
    }

    /** The evidence uploader, or null when this run keeps no evidence. */
    public EvidenceUploader evidenceUploader() {
        return evidenceUploader;
    }

    /**
     * Runs the pipeline into the journal. The uploader is not woken per frame: it polls, so a batch
     * carries a few frames (one signature check and one store transaction for all of them), which
     * leaves the CPU to detection. Woken once at the end, so the last events go at once.
     */
    public RunReport run(EdgePipeline pipeline, EdgePipeline.ProgressListener progress) throws InterruptedException {
        return run(pipeline, progress, EdgeTelemetry.process());
    }

    /** As {@link #run(EdgePipeline, EdgePipeline.ProgressListener)}, with the edge's spans and metrics going to {@code telemetry}. */
    public RunReport run(EdgePipeline pipeline, EdgePipeline.ProgressListener progress, EdgeTelemetry telemetry)
            throws InterruptedException {
        try {
            return pipeline.evidence(evidence).evidenceClips(evidenceClips).run(journal, progress, telemetry);
        } finally {
            uploader.wake();
            if (evidenceUploader != null) {
                evidenceUploader.wake();
            }
        }
    }

    /**
     * Where the cloud is with a session.
     *
     * @param uploaded every event acknowledged and, when evidence is kept, every evidence frame of its alert windows stored
     * @param lagging  what has not caught up yet (empty when everything has)
     */
    public record CatchUp(boolean uploaded, boolean projected, long waitedNanos, List<String> lagging) {
        public boolean complete() {
            return uploaded && projected;
        }
    }

    /**
     * Waits, at most {@code maxWait}, until the cloud stored every journaled event of the session
     * and the sessions, alerts and trace-edges projections show all of it.
     */
    public CatchUp awaitCloud(RunReport report, JdbcTemplate jdbc, Duration maxWait) throws InterruptedException {
        if (report.expectedTraceEdges() < 0) {
            throw new IllegalArgumentException("the run did not count its trace edges: open the pipeline with countTraceEdges(true)");
        }
        long start = System.nanoTime();
        long deadline = start + maxWait.toNanos();
        String sid = report.sessionId();
        while (true) {
            uploader.wake();
            EdgeJournal.SessionState s = journal.session(sid);
            boolean uploaded = s.ackedSequence() >= s.nextSequence();
            // Every alert's window of evidence must be in the cloud too before a run may call itself done.
            long evidencePending = evidence == null ? 0 : evidence.pendingUploads(sid);
            if (evidencePending > 0) {
                evidenceUploader.wake();
            }
            List<Map<String, Object>> row = jdbc.queryForList("select event_count, ended_at_nanos from sessions where session_id = ?", sid);
            long alerts = jdbc.queryForObject("select count(*) from alerts where session_id = ?", Long.class, sid);
            long edges = jdbc.queryForObject("select count(*) from trace_edges where session_id = ?", Long.class, sid);
            long projectedEvents = row.isEmpty() ? 0 : ((Number) row.get(0).get("event_count")).longValue();
            boolean ended = !row.isEmpty() && row.get(0).get("ended_at_nanos") != null;
            boolean projected = projectedEvents == s.nextSequence() && ended && alerts == report.count("AlertRaised")
                    && edges == report.expectedTraceEdges();
            if ((uploaded && evidencePending == 0 && projected) || System.nanoTime() > deadline) {
                List<String> lagging = new java.util.ArrayList<>();
                if (!uploaded) {
                    lagging.add("upload: cloud acknowledged " + s.ackedSequence() + " of " + s.nextSequence() + " events"
                            + (s.blockedReason() == null ? "" : " (refused: " + s.blockedReason() + ")"));
                }
                if (evidencePending > 0) {
                    lagging.add("evidence: " + evidencePending + " frames of alert windows not in the cloud yet");
                }
                if (projectedEvents != s.nextSequence() || !ended) {
                    lagging.add("sessions projection: " + projectedEvents + " of " + s.nextSequence() + " events"
                            + (ended ? "" : ", end not yet seen"));
                }
                if (alerts != report.count("AlertRaised")) {
                    lagging.add("alerts projection: " + alerts + " of " + report.count("AlertRaised") + " alerts");
                }
                if (edges != report.expectedTraceEdges()) {
                    lagging.add("trace-edges projection: " + edges + " of " + report.expectedTraceEdges() + " edges");
                }
                return new CatchUp(uploaded && evidencePending == 0, projected, System.nanoTime() - start, List.copyOf(lagging));
            }
            Thread.sleep(CATCH_UP_POLL_MILLIS);
        }
    }

    @Override
    public void close() {
        try {
            if (evidenceUploader != null) {
                evidenceUploader.close();
            }
            uploader.close();
        } finally {
            if (evidence != null) {
                evidence.close();
            }
            journal.close();
        }
    }
}
