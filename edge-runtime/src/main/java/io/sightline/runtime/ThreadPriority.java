package io.sightline.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * OS scheduling priority of one edge thread. Java thread priorities are ignored by Linux's default
 * scheduler, but Linux schedules each thread as a task of its own, and {@code renice -p} takes a
 * thread id, so one thread's nice value can be set apart from the process's.
 *
 * <p>Lowering a priority is always allowed. Raising one above normal (a negative nice value) needs
 * CAP_SYS_NICE or an RLIMIT_NICE that allows it; without either the thread keeps normal priority
 * and the caller gets a reason to show.
 */
public final class ThreadPriority {

    private ThreadPriority() {
    }

    /** The calling thread's Linux thread id, or null where there is no /proc/thread-self. */
    public static String currentThreadId() {
        try {
            return Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString();
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    /**
     * Sets thread {@code tid}'s nice value.
     *
     * @return null when it took effect, else why not (one line, with what to do)
     */
    public static String renice(String tid, int nice) {
        if (tid == null) {
            return "no thread id (/proc/thread-self is missing)";
        }
        try {
            Process p = new ProcessBuilder("renice", "-n", Integer.toString(nice), "-p", tid).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
            if (p.waitFor() != 0) {
                return "renice -n " + nice + " refused (" + output.lines().findFirst().orElse("exit " + p.exitValue()) + ")"
                        + (nice < 0 ? "; raising a thread's priority needs CAP_SYS_NICE: run the edge as a service with"
                        + " AmbientCapabilities=CAP_SYS_NICE, or LimitNICE=-" + (-nice) : "");
            }
            return null;
        } catch (IOException e) {
            return "cannot run renice (" + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
