package io.sightline.uplink.upload;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class UplinkLoopTest {

    /**
     * New events that arrive while a pass is running must go on the next pass, not after the idle
     * poll: the journal wakes the loop on every append, often while it is still uploading.
     */
    @Test
    void aWakeDuringAPassIsNotLost() throws Exception {
        AtomicInteger passes = new AtomicInteger();
        CountDownLatch firstPassRunning = new CountDownLatch(1);
        Semaphore releaseFirstPass = new Semaphore(0);
        CountDownLatch secondPass = new CountDownLatch(1);
        UplinkLoop loop = new UplinkLoop("uplink-loop-test", "Test uplink", LoggerFactory.getLogger(UplinkLoopTest.class),
                Duration.ofMillis(10), Duration.ofMillis(10), Duration.ofHours(1), false, () -> {
                    int n = passes.incrementAndGet();
                    if (n == 1) {
                        firstPassRunning.countDown();
                        releaseFirstPass.acquireUninterruptibly();
                    } else if (n == 2) {
                        secondPass.countDown();
                    }
                });
        try {
            loop.start();
            assertThat(firstPassRunning.await(10, TimeUnit.SECONDS)).isTrue();
            loop.wake();
            releaseFirstPass.release();
            // With an idle poll of an hour, only the remembered wake can start the second pass.
            assertThat(secondPass.await(10, TimeUnit.SECONDS)).as("second pass after a wake that came mid-pass").isTrue();
        } finally {
            releaseFirstPass.release();
            loop.close();
        }
    }
}
