package io.sightline.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import io.sightline.inference.ProjectHome;
import io.sightline.uplink.journal.EdgeJournal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One thread's nice value, apart from the process's (the detector's core, the shadow's and encoder's back seat). */
@org.junit.jupiter.api.extension.ExtendWith(io.sightline.testkit.ProjectHomeExtension.class)
class ThreadPriorityTest {

    /** Field 19 of /proc/thread-self/stat, after the command name (which may hold spaces) closes. */
    private static int niceOf(String tid) throws Exception {
        String stat = Files.readString(Path.of("/proc/self/task/" + tid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Integer.parseInt(fields[16]);
    }

    /** A fresh thread asks for {@code nice} and reads back what it got. */
    private record Reniced(String tid, String failure, int nice) {
    }

    private static Reniced reniceOnItsOwnThread(int nice) throws Exception {
        Reniced[] out = new Reniced[1];
        Thread t = new Thread(() -> {
            String tid = ThreadPriority.currentThreadId();
            String failure = ThreadPriority.renice(tid, nice);
            try {
                out[0] = new Reniced(tid, failure, niceOf(tid));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        t.start();
        t.join(10_000);
        assertThat(out[0]).as("the thread finished").isNotNull();
        return out[0];
    }

    @Test
    void loweringOneThreadIsAlwaysAllowedAndLeavesTheOthersAlone() throws Exception {
        Reniced r = reniceOnItsOwnThread(7);
        assertThat(r.tid()).isNotBlank();
        assertThat(r.failure()).isNull();
        assertThat(r.nice()).isEqualTo(7);
        assertThat(niceOf(ThreadPriority.currentThreadId())).as("the calling thread keeps its priority").isNotEqualTo(7);
    }

    /** Raising needs CAP_SYS_NICE: with it the value takes, without it the caller is told why and what to do. */
    @Test
    void raisingEitherTakesEffectOrSaysWhatItNeeds() throws Exception {
        Reniced r = reniceOnItsOwnThread(-3);
        if (r.failure() == null) {
            assertThat(r.nice()).isEqualTo(-3);
        } else {
            assertThat(r.failure()).contains("CAP_SYS_NICE");
            assertThat(r.nice()).isNotEqualTo(-3);
        }
    }

    @Test
    void noThreadIdIsAReasonNotAnException() {
        assertThat(ThreadPriority.renice(null, 5)).contains("no thread id");
    }

    @TempDir
    Path dir;

    /**
     * The pipeline applies the nice value to each session's detect thread and says so; a value it may always set (a
     * lower priority) keeps the test independent of the machine's privileges. Its next session keeps the setting.
     */
    @Test
    void eachSessionsDetectThreadGetsTheEdgesNiceValue() throws Exception {
        EdgePipeline.Options options = new EdgePipeline.Options(ProjectHome.get().resolve(EdgeCommand.DEFAULT_VIDEO).toString(),
                "fastestdet", null, false, false, AssumedDrive.EGO_SPEED_MPS, 1, 10, EdgeDefaults.FLEET_ID, EdgeDefaults.VEHICLE_ID,
                "nice-edge-01", "test");
        try (EdgeJournal journal = EdgeJournal.open(dir.resolve("journal.db"), EdgePipeline.JOURNAL_BUDGET_BYTES);
             EdgePipeline pipeline = EdgePipeline.open(options)) {
            assertThat(pipeline.detectorPriority()).isEqualTo("normal");
            RunReport report = pipeline.detectorNice(4).run(journal, EdgePipeline.ProgressListener.NONE);
            assertThat(report.framesCaptured()).isEqualTo(10);
            assertThat(pipeline.detectorPriority()).isEqualTo("nice 4");
        }
        try (EdgeJournal journal = EdgeJournal.open(dir.resolve("journal2.db"), EdgePipeline.JOURNAL_BUDGET_BYTES);
             EdgePipeline pipeline = EdgePipeline.open(options)) {
            pipeline.detectorNice(0).run(journal, EdgePipeline.ProgressListener.NONE);
            assertThat(pipeline.detectorPriority()).as("0 leaves the thread alone").isEqualTo("normal");
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> EdgePipeline.open(options).detectorNice(-21))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-20 to 19");
    }
}
