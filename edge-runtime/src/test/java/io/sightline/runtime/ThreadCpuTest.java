package io.sightline.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Per-thread CPU from /proc (issue 19): what bench-pipeline prints as the other core's bill per frame. */
class ThreadCpuTest {

    @Test
    void aBusyNamedThreadShowsItsCpuUnderItsGroup() throws Exception {
        assertThat(ThreadCpu.available()).as("Linux /proc/self/task: the edge and this machine run Linux").isTrue();
        ThreadCpu before = ThreadCpu.snapshot();
        long[] sink = new long[1];
        Thread busy = new Thread(() -> {
            long end = System.nanoTime() + 200_000_000L;
            long x = 0;
            while (System.nanoTime() < end) {
                x += x * 31 + 7;
            }
            sink[0] = x;
        }, "cpu-probe-7");
        busy.start();
        // Read while the thread lives: /proc forgets a thread's time once it ends.
        Thread.sleep(150);
        Map<String, Long> spent = ThreadCpu.snapshot().since(before);
        busy.join();
        assertThat(spent).containsKey("cpu-probe");
        assertThat(spent.get("cpu-probe")).as("CPU nanoseconds of a spinning thread").isPositive();
    }

    @Test
    void poolMembersFallIntoOneGroup() {
        assertThat(ThreadCpu.group("GC Thread#1")).isEqualTo("GC Thread");
        assertThat(ThreadCpu.group("C2 CompilerThre")).isEqualTo("C2 CompilerThre");
        assertThat(ThreadCpu.group("av:h264:df0")).isEqualTo("av:h264:df");
        assertThat(ThreadCpu.group("sightline-2")).isEqualTo("sightline");
        assertThat(ThreadCpu.group("42")).isEqualTo("42");
    }
}
