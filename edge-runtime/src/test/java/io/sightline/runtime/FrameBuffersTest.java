package io.sightline.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.Test;

/** The decode → detect hand-over's pixel buffers (ADR-0039): reused frame after frame, never waited for. */
class FrameBuffersTest {

    @Test
    void aFrameAfterFrameCopyReusesOneBufferWithoutReallocating() {
        try (FrameBuffers pool = new FrameBuffers(FrameBuffers.HANDOVER_BUFFERS);
             Mat frame = new Mat(54, 96, opencv_core.CV_8UC3, Scalar.all(7))) {
            Set<Long> pixelAddresses = new HashSet<>();
            for (int i = 0; i < 50; i++) {
                Mat buffer = pool.take();
                frame.copyTo(buffer);
                pixelAddresses.add(buffer.data().address());
                pool.give(buffer);
            }
            assertThat(pixelAddresses).as("the same pixels every frame: copyTo reallocates nothing").hasSize(1);
            assertThat(pool.extraAllocations()).isZero();
        }
    }

    @Test
    void anEmptyPoolMakesACountedBufferInsteadOfStallingTheDecoderAndReleasesTheSurplus() {
        FrameBuffers pool = new FrameBuffers(FrameBuffers.HANDOVER_BUFFERS);
        List<Mat> held = new ArrayList<>();
        for (int i = 0; i < FrameBuffers.HANDOVER_BUFFERS + 1; i++) {
            held.add(pool.take());
        }
        assertThat(pool.extraAllocations()).isEqualTo(1);
        try (Mat frame = new Mat(4, 4, opencv_core.CV_8UC3, Scalar.all(1))) {
            held.forEach(frame::copyTo);
        }
        held.forEach(pool::give);
        Mat surplus = held.get(held.size() - 1);
        assertThat(surplus.isNull()).as("the buffer beyond the pool's capacity is released, not kept").isTrue();
        pool.close();
        assertThat(held.get(0).isNull()).as("closing releases the free buffers").isTrue();
    }

    @Test
    void aBufferGivenBackAfterCloseIsReleased() {
        FrameBuffers pool = new FrameBuffers(FrameBuffers.HANDOVER_BUFFERS);
        Mat inDetection = pool.take();
        pool.close();
        pool.give(inDetection);
        assertThat(inDetection.isNull()).isTrue();
    }
}
