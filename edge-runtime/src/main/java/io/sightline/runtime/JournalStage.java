package io.sightline.runtime;

import io.sightline.inference.ProducedEvent;
import io.sightline.inference.StageStats;
import io.sightline.runtime.Handover.Decided;
import io.sightline.runtime.telemetry.FrameTrace;
import io.sightline.runtime.telemetry.SessionTelemetry;
import java.util.ArrayList;
import java.util.List;

/**
 * Journal: each frame's events in one append (a whole frame or nothing; with group commit,
 * ADR-0033, the fsync is shared by the frames of one interval), after its evidence
 * picture's sha256 is known when evidence is kept. A journal append over its budget is recorded
 * as a StageDeadlineMissed of its own, in a second append.
 */
final class JournalStage {

    private final JournalWriter writer;
    private final EvidenceStage evidence;
    /** Video evidence (ADR-0037), or null: told of every journaled frame, its EvidenceClipRecorded events journaled here. */
    private ClipStage clips;
    private final StageStats stats;
    private final SessionTelemetry tel;
    private final EdgePipeline.ProgressListener progress;
    private final long totalFrames;
    private final WindowSummarizer summaries;
    private volatile long framesJournaled;

    /**
     * @param totalFrames frames expected, for progress; -1 when unknown
     * @param summaries   folds the frames into window summaries, or null for none
     */
    JournalStage(JournalWriter writer, EvidenceStage evidence, StageStats stats, SessionTelemetry tel,
                 EdgePipeline.ProgressListener progress, long totalFrames, WindowSummarizer summaries) {
        this.summaries = summaries;
        this.writer = writer;
        this.evidence = evidence;
        this.stats = stats;
        this.tel = tel;
        this.progress = progress;
        this.totalFrames = totalFrames;
    }

    JournalStage clips(ClipStage clips) {
        this.clips = clips;
        return this;
    }

    void run(LatestWinsQueue<Decided> in) throws InterruptedException {
        try {
            journal(in);
        } finally {
            if (clips != null) {
                clips.close();
            }
        }
    }

    private void journal(LatestWinsQueue<Decided> in) throws InterruptedException {
        List<ProducedEvent> clipEvents = new ArrayList<>(1);
        for (Decided d; (d = in.take()) != null; ) {
            if (clips != null) {
                clips.drainTo(clipEvents);
                if (!clipEvents.isEmpty()) {
                    writer.append(clipEvents);
                    clipEvents.clear();
                }
            }
            if (evidence != null) {
                // Before the journal timing starts: waiting for a picture is not journal latency.
                long w0 = System.nanoTime();
                evidence.attach(d.frameId(), d.events());
                stats.record(StageBudgets.JOURNAL_EVIDENCE_WAIT, System.nanoTime() - w0);
            }
            if (summaries != null) {
                ProducedEvent closed = summaries.onFrame(d);
                if (closed != null) {
                    // Before the frame that opens the next window: the journal reads in window order.
                    writer.append(List.of(closed));
                }
            }
            long t0 = System.nanoTime();
            FrameTrace trace = d.trace();
            trace.beginStage(StageBudgets.JOURNAL);
            writer.append(d.events(), trace);
            long took = System.nanoTime() - t0;
            stats.record(StageBudgets.JOURNAL, took);
            tel.stageDuration(StageBudgets.JOURNAL, took);
            if (took > StageBudgets.JOURNAL_BUDGET_NANOS) {
                List<ProducedEvent> late = new ArrayList<>(1);
                StageBudgets.recordMiss(late, StageBudgets.JOURNAL, d.frameId(), StageBudgets.JOURNAL_BUDGET_NANOS, took);
                writer.append(late, trace.stageTraceparent());
            }
            if (clips != null) {
                tellClips(d.events());
            }
            trace.endStage(d.events().size());
            trace.journaled();
            tel.frameJournaled();
            long done = ++framesJournaled;
            progress.onFrameJournaled(done, totalFrames);
        }
        if (summaries != null) {
            ProducedEvent last = summaries.flush();
            if (last != null) {
                writer.append(List.of(last));
            }
        }
    }

    /** The frame's index, journaled time and alerts, in the journal's times (those the alert windows are measured in). */
    private void tellClips(List<ProducedEvent> events) throws InterruptedException {
        long frameIndex = -1;
        long frameAt = 0;
        List<String> alerts = List.of();
        long alertAt = 0;
        for (int i = 0; i < events.size(); i++) {
            Object p = events.get(i).payload();
            if (p instanceof io.sightline.domain.event.FrameCaptured fc && frameIndex < 0) {
                frameIndex = fc.frameIndex();
                frameAt = writer.journaledAtNanos(i);
            } else if (p instanceof io.sightline.domain.event.AlertRaised a) {
                if (alerts.isEmpty()) {
                    alerts = new ArrayList<>(1);
                    alertAt = writer.journaledAtNanos(i);
                }
                alerts.add(a.alertId());
            }
        }
        if (frameIndex >= 0) {
            clips.frameJournaled(frameIndex, frameAt, alerts, alerts.isEmpty() ? frameAt : alertAt);
        }
    }

    long framesJournaled() {
        return framesJournaled;
    }
}
