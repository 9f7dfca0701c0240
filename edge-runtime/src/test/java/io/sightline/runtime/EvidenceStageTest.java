package io.sightline.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.domain.event.FrameCaptured;
import io.sightline.inference.ProducedEvent;
import io.sightline.inference.StageStats;
import io.sightline.inference.VideoFrame;
import io.sightline.uplink.evidence.EvidenceStore;
import io.sightline.uplink.journal.EdgeJournal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The evidence stage's hand-over rules, with a real OpenCV encoder and a real store, without the pipeline's timing. */
class EvidenceStageTest {

    @TempDir
    Path dir;

    private static List<ProducedEvent> frameEvents(String frameId, long index) {
        List<ProducedEvent> events = new ArrayList<>();
        events.add(new ProducedEvent(frameId, 1, new FrameCaptured(frameId, index, index * 40_000_000L, 64, 36, "test")));
        return events;
    }

    @Test
    void behindALiveSourceTheOldestPicturesAreGivenUpAndEveryFrameStillJournals() throws Exception {
        try (EdgeJournal journal = EdgeJournal.open(dir.resolve("journal.db"), 64L << 20);
             EvidenceStore store = EvidenceStore.open(journal, 64L << 20);
             Mat black = new Mat(36, 64, opencv_core.CV_8UC3, Scalar.all(0))) {
            EvidenceStage stage = new EvidenceStage(store, "s", new StageStats(EvidenceStage.COPY_STAGE, EvidenceStage.STAGE), true);
            int frames = EvidenceStage.QUEUE_FRAMES + 6;
            // The encoder thread is not running yet: the detect side must never block on it.
            for (int i = 0; i < frames; i++) {
                EvidenceStage.Pending p = stage.expect("f" + i);
                stage.submit(p, new VideoFrame(i, i * 40_000_000L, 64, 36, black, 0, false), "f" + i, 1000L + i, List.of());
            }
            assertThat(stage.skipped()).isEqualTo(6);
            stage.close();
            stage.run();
            List<String> shas = new ArrayList<>();
            for (int i = 0; i < frames; i++) {
                List<ProducedEvent> events = frameEvents("f" + i, i);
                stage.attach("f" + i, events);
                shas.add(((FrameCaptured) events.get(0).payload()).evidenceSha256());
            }
            assertThat(shas.subList(0, 6)).containsOnlyNulls();
            assertThat(shas.subList(6, frames)).doesNotContainNull();
            assertThat(store.frames("s")).extracting(EvidenceStore.Frame::frameId).containsExactly("f6", "f7", "f8", "f9");
            stage.release();
        }
    }

    @Test
    void aStoreThatFailsLeavesTheFrameWithoutEvidenceAndNothingWaitsForever() throws Exception {
        try (EdgeJournal journal = EdgeJournal.open(dir.resolve("journal.db"), 64L << 20);
             Mat black = new Mat(36, 64, opencv_core.CV_8UC3, Scalar.all(0))) {
            EvidenceStore store = EvidenceStore.open(journal, 64L << 20);
            EvidenceStage stage = new EvidenceStage(store, "s", new StageStats(EvidenceStage.COPY_STAGE, EvidenceStage.STAGE), false);
            EvidenceStage.Pending p = stage.expect("f0");
            stage.submit(p, new VideoFrame(0, 0, 64, 36, black, 0, false), "f0", 1000L, List.of());
            // Expected but never submitted (the pipeline stopped between the two calls).
            stage.expect("f1");
            store.close();
            stage.close();
            stage.run();
            for (String id : List.of("f0", "f1")) {
                List<ProducedEvent> events = frameEvents(id, 0);
                stage.attach(id, events);
                assertThat(((FrameCaptured) events.get(0).payload()).evidenceSha256()).isNull();
            }
            stage.release();
        }
    }
}
