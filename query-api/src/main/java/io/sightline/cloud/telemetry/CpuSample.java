package io.sightline.cloud.telemetry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where the CPU went while a benchmark's timed part ran (bench ingest, bench rebuild, bench fleet,
 * the trace and stream harnesses): this JVM (in bench ingest, edge uploaders and cloud alike),
 * PostgreSQL (the embedded server and its backends, or, on a shared server, the backends serving
 * one database), and the whole machine, from /proc. On a machine shared with other
 * work the rates move with its load; CPU per event does much less, and (JVM + PostgreSQL) per
 * event bounds what two idle cores could do.
 */
public record CpuSample(long jvmNanos, long postgresTicks, long machineBusyTicks, long machineTotalTicks, Map<String, Long> threadTicks) {

    /** The embedded server's postmaster, or -1 (external server: its other clients' work would be counted). */
    private static volatile long postmasterPid = -1;
    /** The database whose backends are counted on a server shared with other work, or null. */
    private static volatile javax.sql.DataSource watchedDatabase;
    /** Why the last sample could not read PostgreSQL's share, for the benchmark's output; null when it could. */
    private static volatile String postgresProblem;
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

    /**
     * Counts the backends connected to {@code dataSource}'s database, on a PostgreSQL server on this
     * host that other clients share (the local server of the tests): unlike the postmaster's tree, it
     * leaves their work out. The backends are listed again at every sample, since a pool opens and
     * closes connections; a backend that ended between two samples is missed, one that started
     * counts from its start. The server's own background processes (checkpointer, WAL writer) are
     * not counted.
     */
    public static void watchDatabaseBackends(javax.sql.DataSource dataSource) {
        watchedDatabase = dataSource;
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
            return watchedDatabase == null ? -1 : readBackendTicks(watchedDatabase);
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

    private static long readBackendTicks(javax.sql.DataSource dataSource) {
        java.util.List<Long> pids = new ArrayList<>();
        try (java.sql.Connection c = dataSource.getConnection();
             java.sql.ResultSet rs = c.createStatement().executeQuery(
                     "select pid from pg_stat_activity where datname = current_database()")) {
            while (rs.next()) {
                pids.add(rs.getLong(1));
            }
        } catch (java.sql.SQLException e) {
            postgresProblem = "listing the database's backends failed: " + e.getMessage();
            return -1;
        }
        long ticks = 0;
        int seen = 0;
        for (long pid : pids) {
            try {
                String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                seen++;
            } catch (IOException | RuntimeException ignored) {
                // Ended while we looked, or the server is on another host.
            }
        }
        // No backend visible here: the server runs elsewhere, and its share cannot be read.
        postgresProblem = seen == 0 ? "none of the database's " + pids.size() + " backends is a process on this host" : null;
        return seen == 0 ? -1 : ticks;
    }

    /** Why PostgreSQL's share could not be read at the last sample, or null. */
    public static String postgresProblem() {
        return postgresProblem;
    }

    /** Microseconds of PostgreSQL CPU between two samples, or -1 when it could not be read. */
    public double postgresMicrosSince(CpuSample before) {
        return postgresTicks >= 0 && before.postgresTicks >= 0 ? (postgresTicks - before.postgresTicks) / TICKS_PER_SECOND * 1e6 : -1;
    }

    /** Microseconds of this JVM's CPU between two samples. */
    public double jvmMicrosSince(CpuSample before) {
        return (jvmNanos - before.jvmNanos) / 1e3;
    }

    /**
     * Microseconds of CPU of this JVM's threads whose folded name starts with {@code prefix}, between
     * two samples. Linux keeps the first 15 characters of a thread's name: a longer prefix never matches.
     */
    public double threadMicrosSince(CpuSample before, String prefix) {
        long ticks = 0;
        for (Map.Entry<String, Long> e : threadTicks.entrySet()) {
            if (e.getKey().startsWith(prefix)) {
                ticks += e.getValue() - before.threadTicks.getOrDefault(e.getKey(), 0L);
            }
        }
        return ticks / TICKS_PER_SECOND * 1e6;
    }

    public String since(CpuSample before, long events) {
        return since(before, events, "event");
    }

    /** The CPU between two samples per unit of work ({@code count} of {@code unit}), split JVM, PostgreSQL, threads. */
    public String since(CpuSample before, long count, String unit) {
        int cores = Runtime.getRuntime().availableProcessors();
        long events = count;
        double jvmMicros = (jvmNanos - before.jvmNanos) / 1e3 / events;
        StringBuilder out = new StringBuilder(String.format("; CPU per %s: JVM %.1f µs", unit, jvmMicros));
        if (postgresTicks >= 0 && before.postgresTicks >= 0) {
            double pgMicros = (postgresTicks - before.postgresTicks) / TICKS_PER_SECOND * 1e6 / events;
            out.append(String.format(" + PostgreSQL %.1f µs (%d idle cores: ~%,.0f per second)", pgMicros, cores,
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
            out.append(String.format("%n      JVM threads, µs per %s:", unit));
            for (Map.Entry<String, Long> e : groups.subList(0, Math.min(8, groups.size()))) {
                out.append(String.format(" %s %.1f;", e.getKey(), e.getValue() / TICKS_PER_SECOND * 1e6 / events));
            }
        }
        return out.toString();
    }
}
