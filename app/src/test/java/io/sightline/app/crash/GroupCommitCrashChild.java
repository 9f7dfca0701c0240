package io.sightline.app.crash;

import io.sightline.domain.event.AlertRaised;
import io.sightline.domain.ingest.EventCodec;
import io.sightline.runtime.AssumedDrive;
import io.sightline.runtime.EdgeDefaults;
import io.sightline.runtime.EdgePipeline;
import io.sightline.uplink.evidence.EvidenceStore;
import io.sightline.uplink.journal.EdgeJournal;
import io.sightline.uplink.sign.BatchSigner;
import io.sightline.uplink.sign.DeviceIdentity;
import io.sightline.uplink.transport.HttpUplinkTransport;
import io.sightline.uplink.upload.Uploader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The vehicle's process as {@link JournalGroupCommitCrashTest} kills it: the real pipeline on the
 * bundled clip (decoder, YOLOX-nano, decide, evidence, the journal with the edge's group commit)
 * and the real uploader over HTTP to the test's cloud. It reports on stdout, each line with the
 * process's {@code System.nanoTime()}:
 * <ul>
 *   <li>{@code J frames t}: the pipeline's append of its first {@code frames} frames returned (not necessarily durable);</li>
 *   <li>{@code C next t}: a commit made the session's events below sequence {@code next} durable; printed after the commit,
 *       from what the uploader's connection can read;</li>
 *   <li>{@code S sequence type eventId}: a committed safety event, printed before the {@code C} line that covers it.</li>
 * </ul>
 *
 * <pre>args: journal-file session-id session-start-nanos cloud-url device-key-file device-id</pre>
 */
public final class GroupCommitCrashChild {

    private GroupCommitCrashChild() {
    }

    public static void main(String[] args) throws Exception {
        Path journalFile = Path.of(args[0]);
        String sessionId = args[1];
        long startNanos = Long.parseLong(args[2]);
        String cloudUrl = args[3];
        DeviceIdentity device = DeviceIdentity.loadOrCreate(Path.of(args[4]), args[5]);
        var mapper = new EventCodec().mapper();
        EdgeJournal journal = EdgeJournal.open(journalFile, EdgePipeline.JOURNAL_BUDGET_BYTES, e -> e instanceof AlertRaised,
                EdgeDefaults.JOURNAL_SYNC_INTERVAL);
        long[] reported = {0};
        // Runs under the journal's write lock right after each commit: the reader sees exactly what is durable.
        journal.addAppendListener(() -> {
            List<EdgeJournal.SessionState> sessions = journal.sessions();
            if (sessions.stream().noneMatch(s -> s.sessionId().equals(sessionId))) {
                return;
            }
            for (EdgeJournal.StoredEvent e : journal.read(sessionId, reported[0], Integer.MAX_VALUE, Long.MAX_VALUE)) {
                if ("AlertRaised".equals(e.type()) || "ActuationCommanded".equals(e.type())) {
                    System.out.println("S " + e.sequence() + " " + e.type() + " " + e.eventId());
                }
                reported[0] = e.sequence() + 1;
            }
            System.out.println("C " + reported[0] + " " + System.nanoTime());
        });
        Uploader uploader = new Uploader(journal, new BatchSigner(device, mapper),
                new HttpUplinkTransport(cloudUrl, Duration.ofSeconds(30), mapper), EdgeDefaults.uploaderSettings());
        uploader.start();
        journal.addAppendListener(uploader::wake);
        EvidenceStore evidence = EvidenceStore.open(journal, EdgeDefaults.EVIDENCE_BUDGET_BYTES);
        EdgePipeline.Options options = new EdgePipeline.Options(io.sightline.inference.ProjectHome.get().resolve(io.sightline.runtime.EdgeCommand.DEFAULT_VIDEO).toString(), "yolox-nano", null, false,
                false, AssumedDrive.EGO_SPEED_MPS, 1, 0, EdgeDefaults.FLEET_ID, EdgeDefaults.VEHICLE_ID, device.deviceId(), "crash-test");
        try (EdgePipeline pipeline = EdgePipeline.open(options)) {
            System.out.println("READY " + System.nanoTime());
            pipeline.evidence(evidence).session(sessionId, startNanos)
                    .run(journal, (done, total) -> System.out.println("J " + done + " " + System.nanoTime()));
        }
        System.out.println("DONE " + System.nanoTime());
        System.out.flush();
        // Stay alive until the parent has seen the session uploaded; it kills this process either way.
        Thread.sleep(Long.MAX_VALUE);
    }
}
