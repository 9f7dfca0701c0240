package io.sightline.app.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where the CPU went while a benchmark's timed part ran (bench ingest, bench rebuild): this JVM
 * (in bench ingest, edge uploaders and cloud alike), the embedded PostgreSQL (server and backends,
 * when the benchmark runs on it), and the whole machine, from /proc. On a machine shared with other
 * work the rates move with its load; CPU per event does much less, and (JVM + PostgreSQL) per
 * event bounds what two idle cores could do.
 */
public record CpuSample(long jvmNanos, long postgresTicks, long machineBusyTicks, long machineTotalTicks, Map<String, Long> threadTicks) {

    /** The embedded server's postmaster, or -1 (external server: its other clients' work would be counted). */
    private static volatile long postmasterPid = -1;
    private static final double TICKS_PER_SECOND = 100;

    /** Finds the postmaster serving {@code dataDir}, so its CPU and its backends' can be counted. */
    public static void watchEmbeddedPostgres(String dataDir) {
        if (dataDir == null) {
            return;
        }
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path proc : procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
                try {
                    String cmd = new String(Files.readAllBytes(proc.resolve("cmdline"))).replace('\0', ' ');
                    if (cmd.contains("postgres") && cmd.contains("-D " + dataDir)) {
                        postmasterPid = Long.parseLong(proc.getFileName().toString());
                        return;
                    }
                } catch (IOException | RuntimeException ignored) {
                    // The process ended while we looked.
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux: PostgreSQL's share is left out.
        }
    }

    public static CpuSample now() {
        long jvm = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
        long busy = -1;
        long all = -1;
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            all = 0;
            for (int i = 1; i < f.length; i++) {
                all += Long.parseLong(f[i]);
            }
            busy = all - Long.parseLong(f[4]) - Long.parseLong(f[5]);
        } catch (IOException | RuntimeException e) {
            // Not Linux: the machine-wide share is left out.
        }
        return new CpuSample(jvm, readPostgresTicks(), busy, all, readThreadTicks());
    }

    /**
     * This JVM's CPU by thread, from /proc/self/task (JIT and GC threads included, which the JVM's
     * own thread CPU API leaves out), grouped by name with digits folded: where a path's CPU went.
     */
    private static Map<String, Long> readThreadTicks() {
        Map<String, Long> out = new java.util.TreeMap<>();
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replaceAll("[0-9]+", "N");
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    out.merge(name, Long.parseLong(f[11]) + Long.parseLong(f[12]), Long::sum);
                } catch (IOException | RuntimeException ignored) {
                    // The thread ended while we looked.
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux.
        }
        return out;
    }

    private static long readPostgresTicks() {
        long master = postmasterPid;
        if (master < 0) {
            return -1;
        }
        long ticks = 0;
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path proc : procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
                try {
                    String stat = Files.readString(proc.resolve("stat"));
                    // Fields after the command name, which may hold spaces: state ppid ... utime(14) stime(15).
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    long pid = Long.parseLong(proc.getFileName().toString());
                    if (pid == master || Long.parseLong(f[1]) == master) {
                        ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                    }
                } catch (IOException | RuntimeException ignored) {
                    // The process ended while we looked.
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return ticks;
    }

    public String since(CpuSample before, long events) {
        int cores = Runtime.getRuntime().availableProcessors();
        double jvmMicros = (jvmNanos - before.jvmNanos) / 1e3 / events;
        StringBuilder out = new StringBuilder(String.format("; CPU per event: JVM %.1f µs", jvmMicros));
        if (postgresTicks >= 0 && before.postgresTicks >= 0) {
            double pgMicros = (postgresTicks - before.postgresTicks) / TICKS_PER_SECOND * 1e6 / events;
            out.append(String.format(" + PostgreSQL %.1f µs (%d idle cores: ~%,.0f events/s)", pgMicros, cores,
                    cores * 1e6 / (jvmMicros + pgMicros)));
        }
        if (machineTotalTicks >= 0 && before.machineTotalTicks >= 0 && machineTotalTicks > before.machineTotalTicks) {
            double busyShare = (machineBusyTicks - before.machineBusyTicks) / (double) (machineTotalTicks - before.machineTotalTicks);
            out.append(String.format("; machine %.0f %% busy", busyShare * 100));
        }
        // Threads started during the run count from zero; threads that ended are missing.
        List<Map.Entry<String, Long>> groups = new ArrayList<>();
        for (Map.Entry<String, Long> e : threadTicks.entrySet()) {
            long d = e.getValue() - before.threadTicks.getOrDefault(e.getKey(), 0L);
            if (d > 0) {
                groups.add(Map.entry(e.getKey(), d));
            }
        }
        if (!groups.isEmpty()) {
            groups.sort(Map.Entry.<String, Long>comparingByValue().reversed());
            out.append(String.format("%n      JVM threads, µs per event:"));
            for (Map.Entry<String, Long> e : groups.subList(0, Math.min(8, groups.size()))) {
                out.append(String.format(" %s %.1f;", e.getKey(), e.getValue() / TICKS_PER_SECOND * 1e6 / events));
            }
        }
        return out.toString();
    }
}
