package io.sightline.runtime.clip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sightline.inference.FrameSource;
import io.sightline.inference.ProjectHome;
import io.sightline.inference.VideoFrame;
import io.sightline.testkit.ProjectHomeExtension;
import io.sightline.uplink.evidence.EvidenceStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Alert clips cut from the source's own packets (ADR-0037), against the real demuxer, muxer and
 * decoder: the clip's frame at an offset is, pixel for pixel, the frame the pipeline's decoder
 * gave the detector under that {@code frameIndex}.
 */
@ExtendWith(ProjectHomeExtension.class)
class ClipCutterTest {

    static final String HAZARD = "samples/sightline_fcw_slower_lead_960x540.mp4";
    static final String UDACITY = "samples/udacity_vd_test_video.mp4";

    @TempDir
    Path dir;

    /** sha256 of each decoded frame's BGR pixels, as the pipeline's FrameSource gives them, frames 0 … last. */
    static List<String> pixelHashes(String location, long last) throws Exception {
        List<String> out = new ArrayList<>();
        try (FrameSource source = FrameSource.open(location, new FrameSource.Options(false, 1, 5000))) {
            for (VideoFrame f; out.size() <= last && (f = source.next()) != null; ) {
                out.add(hash(f.image()));
            }
        }
        return out;
    }

    static String hash(Mat m) throws Exception {
        assertThat(m.isContinuous()).isTrue();
        byte[] px = new byte[(int) (m.total() * m.elemSize())];
        m.data().capacity(px.length).get(px);
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(px));
    }

    private void assertClipHoldsTheSourceFrames(String clipFile, long first, long last) throws Exception {
        String location = ProjectHome.get().resolve(clipFile).toString();
        List<String> source = pixelHashes(location, last + 40);
        ClipCutter.Clip clip;
        try (PacketTap tap = PacketTap.open(location, new PacketRing(256L << 20))) {
            clip = ClipCutter.cut(tap, first, last, dir);
        }
        assertThat(clip).isNotNull();
        assertThat(clip.firstFrameIndex()).isLessThanOrEqualTo(first);
        assertThat(clip.firstFrameIndex() + clip.frameCount() - 1).isGreaterThanOrEqualTo(last);
        assertThat(clip.sha256()).isEqualTo(EvidenceStore.sha256Hex(clip.bytes()));
        Path file = dir.resolve("clip.mp4");
        Files.write(file, clip.bytes());
        List<String> decoded = pixelHashes(file.toString(), Long.MAX_VALUE);
        assertThat(decoded).hasSize(clip.frameCount());
        for (long n = first; n <= last; n++) {
            long k = clip.offsetOf(n);
            assertThat(decoded.get((int) k)).as("clip frame %d = source frame %d", k, n).isEqualTo(source.get((int) n));
        }
    }

    @Test
    void theClipsFrameAtAnOffsetIsThePixelsTheDetectorSaw() throws Exception {
        // From the middle of the bundled hazard clip: the cut starts at an earlier keyframe.
        assertClipHoldsTheSourceFrames(HAZARD, 37, 95);
    }

    @Test
    void aClipFromTheStartOfAnotherEncoderSFileMapsExactlyToo() throws Exception {
        // The Udacity clip has an audio stream too, which the cut leaves out.
        assertClipHoldsTheSourceFrames(UDACITY, 0, 30);
    }

    @Test
    void corruptInputGetsAClearError() throws Exception {
        Path junk = dir.resolve("junk.mp4");
        byte[] bytes = new byte[64 * 1024];
        new Random(7).nextBytes(bytes);
        Files.write(junk, bytes);
        assertThatThrownBy(() -> PacketTap.open(junk.toString(), new PacketRing(1 << 20)))
                .isInstanceOf(ClipException.class)
                .hasMessageContaining(junk.toString())
                .hasMessageContaining("--no-evidence");
    }

    @Test
    void aRingRefusesANonsenseBudget() {
        assertThatThrownBy(() -> new PacketRing(0)).hasMessageContaining("budget must be > 0");
    }
}
