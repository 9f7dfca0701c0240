package io.sightline.cloud.evidence;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The MP4 clip check at upload (ADR-0037), on the bundled H.264 clips. */
class Mp4HeaderTest {

    static Path sample(String name) {
        Path root = Path.of(System.getProperty("sightline.project.dir", ".."));
        return root.resolve("samples").resolve(name);
    }

    @Test
    void readsTheVideoTracksSizeWhereverTheIndexIs() throws Exception {
        // Index at the end (the hazard clip, written by the recorder) and at the front (faststart, the Udacity clip).
        assertThat(Mp4Header.read(Files.readAllBytes(sample("sightline_fcw_slower_lead_960x540.mp4")))).isEqualTo(new Mp4Header(960, 540));
        assertThat(Mp4Header.read(Files.readAllBytes(sample("udacity_vd_test_video.mp4")))).isEqualTo(new Mp4Header(1280, 720));
    }

    @Test
    void refusesWhatIsNotACompleteMp4() throws Exception {
        byte[] clip = Files.readAllBytes(sample("sightline_fcw_slower_lead_960x540.mp4"));
        // Cut short before its index: a player could not seek it.
        assertThat(Mp4Header.read(Arrays.copyOf(clip, clip.length - 2000))).isNull();
        assertThat(Mp4Header.read(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE0, 0, 0, 0, 0})).isNull();
        assertThat(Mp4Header.read(new byte[3])).isNull();
    }
}
