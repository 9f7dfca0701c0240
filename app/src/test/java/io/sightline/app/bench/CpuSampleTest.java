package io.sightline.app.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class CpuSampleTest {

    @Test
    void aSampleReadsThisJvmAndTheMachineAndNamesThreadGroupsWithDigitsFolded() {
        CpuSample sample = CpuSample.now();

        assertThat(sample.jvmNanos()).isPositive();
        if (Files.isReadable(Path.of("/proc/stat"))) {
            assertThat(sample.machineTotalTicks()).isGreaterThan(sample.machineBusyTicks()).isPositive();
            assertThat(sample.threadTicks()).isNotEmpty();
            assertThat(sample.threadTicks().keySet()).noneMatch(name -> name.matches(".*[0-9].*"));
        }
    }

    @Test
    void theLineBetweenTwoSamplesGivesCpuPerEvent() {
        CpuSample before = CpuSample.now();
        CpuSample after = CpuSample.now();

        assertThat(after.since(before, 1_000)).startsWith("; CPU per event: JVM ");
    }
}
