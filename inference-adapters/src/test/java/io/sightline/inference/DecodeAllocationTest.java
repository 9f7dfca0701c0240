package io.sightline.inference;

import io.sightline.inference.internal.OrtDetector;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.assertj.core.api.Assertions.assertThat;

/** The decode+NMS hot path allocates no Java heap per frame (counted, not timed). */
class DecodeAllocationTest {

    @Test
    void decodeAndNmsAllocateNothing() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertThat(mx.isThreadAllocatedMemorySupported()).isTrue();
        for (String folder : new String[] {"yolox_nano", "fastestdet"}) {
            OrtDetector d = (OrtDetector) ModelLoader.activate(TestData.model(folder), "primary", SessionConfig.defaults()).detector();
            try (Mat img = TestData.readImage("test1.jpg")) {
                d.detect(img);
                for (int i = 0; i < 2_000; i++) {
                    d.decodeOnly(); // warm up / JIT
                }
                long tid = Thread.currentThread().getId();
                long before = mx.getThreadAllocatedBytes(tid);
                int total = 0;
                for (int i = 0; i < 1_000; i++) {
                    total += d.decodeOnly().count();
                }
                long allocated = mx.getThreadAllocatedBytes(tid) - before;
                assertThat(total).isEqualTo(2_000);
                // a few hundred bytes of slack for the measuring calls themselves
                assertThat(allocated).as("%s bytes allocated by 1000 decode+NMS calls", folder).isLessThan(1_000);
            } finally {
                d.close();
            }
        }
    }
}
