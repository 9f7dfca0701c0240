package io.sightline.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bytedeco.opencv.global.opencv_core.PSNR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;

import io.sightline.inference.ProjectHome;
import io.sightline.testkit.ProjectHomeExtension;
import io.sightline.inference.FrameSource;
import io.sightline.inference.VideoFrame;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The evidence stage's JPEGs: real frames of the bundled clip through FFmpeg's encoder and back through OpenCV's decoder. */
@ExtendWith(ProjectHomeExtension.class)
class MjpegEncoderTest {

    @Test
    void encodesRealFramesIntoCompleteJpegsCloseToTheSource() throws Exception {
        try (FrameSource source = FrameSource.open(ProjectHome.get().resolve(EdgeCommand.DEFAULT_VIDEO).toString());
             MjpegEncoder encoder = new MjpegEncoder()) {
            for (int i = 0; i < 30; i++) {
                try (VideoFrame frame = source.next()) {
                    assertThat(frame).isNotNull();
                    if (i % 10 == 0) {
                        check(encoder, frame.image());
                    }
                }
            }
        }
    }

    private static void check(MjpegEncoder encoder, Mat pixels) {
        assertThat(MjpegEncoder.accepts(pixels)).isTrue();
        byte[] jpeg = encoder.encode(pixels);
        assertThat(jpeg).startsWith((byte) 0xFF, (byte) 0xD8).endsWith((byte) 0xFF, (byte) 0xD9);
        assertThat(encoder.encode(pixels)).as("the same frame encodes to the same bytes (content addressing)").isEqualTo(jpeg);
        try (Mat decoded = imdecode(new Mat(new BytePointer(jpeg)), IMREAD_COLOR)) {
            assertThat(decoded.cols()).isEqualTo(pixels.cols());
            assertThat(decoded.rows()).isEqualTo(pixels.rows());
            assertThat(PSNR(pixels, decoded, 255)).as("PSNR against the decoded source frame, dB").isGreaterThan(32);
        }
    }

    @Test
    void oddSizesAreLeftToOpenCv() {
        try (Mat odd = new Mat(91, 160, org.bytedeco.opencv.global.opencv_core.CV_8UC3); MjpegEncoder encoder = new MjpegEncoder()) {
            assertThat(MjpegEncoder.accepts(odd)).isFalse();
            assertThatThrownBy(() -> encoder.encode(odd)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("even");
        }
    }
}
