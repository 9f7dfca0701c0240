package io.sightline.runtime;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * CPU time of every thread of this process, Java and native alike, read from Linux's
 * {@code /proc/self/task/<tid>/schedstat} (nanoseconds on the CPU) and {@code comm} (the thread's
 * name, 15 characters). {@code ThreadMXBean} sees only Java threads; FFmpeg's decoder threads and
 * ONNX Runtime's pools are native, and they are where the second core's time may go (issue 19).
 * A benchmark takes a snapshot before and after a run and reads the difference by thread group.
 * Not for the frame path: a snapshot reads two files per thread.
 */
public final class ThreadCpu {

    private static final Path TASKS = Path.of("/proc/self/task");

    /** One thread's name and CPU time at a snapshot. */
    private record Sample(String name, long cpuNanos) {
    }

    private final Map<String, Sample> byTid;

    private ThreadCpu(Map<String, Sample> byTid) {
        this.byTid = byTid;
    }

    /** True where {@code /proc/self/task} exists (Linux). */
    public static boolean available() {
        return Files.isDirectory(TASKS);
    }

    /** The CPU time of every live thread now; empty where /proc is not available. */
    public static ThreadCpu snapshot() {
        Map<String, Sample> m = new HashMap<>();
        if (!available()) {
            return new ThreadCpu(m);
        }
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
            for (Path task : tasks) {
                try {
                    String schedstat = Files.readString(task.resolve("schedstat"));
                    int sp = schedstat.indexOf(' ');
                    long cpu = Long.parseLong(sp < 0 ? schedstat.trim() : schedstat.substring(0, sp));
                    String comm = Files.readString(task.resolve("comm")).trim();
                    m.put(task.getFileName().toString(), new Sample(comm, cpu));
                } catch (IOException | NumberFormatException e) {
                    // the thread ended between the listing and the read: it has no time to report after this run
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc/self/task: " + e.getMessage(), e);
        }
        return new ThreadCpu(m);
    }

    /**
     * CPU nanoseconds spent since {@code before}, summed by thread group (a thread's name with its
     * trailing number dropped: {@code GC Thread#0} and {@code GC Thread#1} are one group), largest
     * first. A thread born after {@code before} counts all its time; one that died in between is
     * lost (its time is still in the process's total).
     */
    public Map<String, Long> since(ThreadCpu before) {
        Map<String, Long> groups = new HashMap<>();
        for (Map.Entry<String, Sample> e : byTid.entrySet()) {
            Sample now = e.getValue();
            Sample then = before.byTid.get(e.getKey());
            long spent = then == null ? now.cpuNanos() : now.cpuNanos() - then.cpuNanos();
            if (spent > 0) {
                groups.merge(group(now.name()), spent, Long::sum);
            }
        }
        List<Map.Entry<String, Long>> sorted = new ArrayList<>(groups.entrySet());
        sorted.sort(Map.Entry.<String, Long>comparingByValue().reversed());
        Map<String, Long> out = new LinkedHashMap<>();
        for (Map.Entry<String, Long> e : sorted) {
            out.put(e.getKey(), e.getValue());
        }
        return out;
    }

    /** A thread's group: its name without a trailing number or #number (pool members are one group). */
    public static String group(String name) {
        int end = name.length();
        while (end > 0 && Character.isDigit(name.charAt(end - 1))) {
            end--;
        }
        if (end > 0 && end < name.length() && (name.charAt(end - 1) == '#' || name.charAt(end - 1) == '-')) {
            end--;
        }
        String g = name.substring(0, end).trim();
        return g.isEmpty() ? name : g;
    }
}
