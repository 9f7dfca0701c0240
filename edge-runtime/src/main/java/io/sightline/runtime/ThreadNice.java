package io.sightline.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The calling thread's OS priority (Linux schedules threads as tasks, each with its own nice), for
 * background stages that must take only CPU the pipeline's stages leave: the shadow's way
 * ({@link ShadowStage#lowerThreadPriority}), with the outcome read back from
 * {@code /proc/thread-self/stat} rather than trusted from {@code renice}'s exit code, so a run can
 * say what its encode thread actually ran at.
 */
final class ThreadNice {

    private static final Logger LOG = LoggerFactory.getLogger(ThreadNice.class);

    /** The lowest priority; a process may always lower its own (raising it back needs CAP_SYS_NICE). */
    static final int LOWEST = 19;

    private ThreadNice() {
    }

    /**
     * What a {@link #lower} did: the nice the thread runs at (null when unreadable) and, when it is
     * not {@link #LOWEST}, why.
     */
    record Outcome(Integer nice, String why) {
        /** One phrase for a report: {@code nice 19}, or {@code nice 0 (renice exited 1)}. */
        String describe() {
            String at = nice == null ? "priority unknown" : "nice " + nice;
            return why == null ? at : at + " (" + why + ")";
        }

        boolean lowered() {
            return nice != null && nice == LOWEST;
        }
    }

    /** Nice {@link #LOWEST} for the calling thread alone; logs and returns what it runs at, never throws. */
    static Outcome lower(String who) {
        String why = ThreadPriority.renice(ThreadPriority.currentThreadId(), LOWEST);
        Integer nice = current();
        if (why == null && (nice == null || nice != LOWEST)) {
            why = "renice succeeded but the thread reads nice " + nice;
        }
        Outcome o = new Outcome(nice, why);
        if (o.lowered()) {
            LOG.info("{}: runs at nice {}, on CPU the pipeline's stages leave", who, LOWEST);
        } else {
            LOG.warn("{}: runs at {}; it competes with the pipeline's stages for the second core", who, o.describe());
        }
        return o;
    }

    /** The calling thread's nice from {@code /proc/thread-self/stat} (field 19), or null when unreadable. */
    static Integer current() {
        try {
            String stat = Files.readString(Path.of("/proc/thread-self/stat"));
            // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
            String[] rest = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
            return Integer.parseInt(rest[16]);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
