package io.sightline.app.replay;

import io.sightline.app.replay.SessionReplay.AlertAt;
import io.sightline.app.replay.SessionReplay.Diff;
import io.sightline.app.replay.SessionReplay.Outcome;
import io.sightline.app.replay.SessionReplay.Recorded;
import io.sightline.app.replay.SessionReplay.TypeCounts;
import io.sightline.edge.risk.RiskPolicy;
import io.sightline.edge.tracking.TrackerConfig;
import io.sightline.inference.ProjectHome;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sightline replay --session ID [--policy FILE] [--tracker PRESET] [--diff]}: re-runs a
 * stored session through this build's tracker, range/TTC, policy and actuation (docs/replay.md,
 * ADR-0017).
 */
@Command(name = "replay",
        description = {"Re-run a stored drive session through this build's tracker, range/TTC, risk policy and actuation,",
                "from the edge journal (default) or the cloud store, and optionally diff against what was recorded.",
                "Exit codes: 0 done (with --diff: identical), " + ReplayCommand.EXIT_DIFFERS + " --diff found differences,"
                        + " 1 refused or failed (the message says what is missing), 2 bad arguments."})
public class ReplayCommand implements Callable<Integer> {

    /** Exit code of {@code --diff} when the replay differs from the recording. */
    public static final int EXIT_DIFFERS = 3;

    static final Path DEFAULT_JOURNAL = Path.of(".sightline", "edge", "journal.db");

    @Option(names = "--session", required = true, paramLabel = "ID", description = "The session id (as ./sightline run prints it).")
    String session;

    @Option(names = "--journal", paramLabel = "PATH",
            description = "Edge journal to read the session from (default: the run's, .sightline/edge/journal.db).")
    Path journal;

    @Option(names = "--jdbc-url", paramLabel = "URL",
            description = "Read the session from the cloud store (domain_event_entry) at this PostgreSQL URL instead of a journal.")
    String jdbcUrl;

    @Option(names = "--jdbc-user", paramLabel = "USER", description = "User for --jdbc-url.")
    String jdbcUser;

    @Option(names = "--jdbc-password", paramLabel = "PASSWORD", description = "Password for --jdbc-url.")
    String jdbcPassword;

    @Option(names = "--policy", paramLabel = "FILE",
            description = "Risk policy JSON (RiskPolicy.fromJson, docs/risk-policy.md) to decide with; default: the policy the session recorded.")
    Path policyFile;

    @Option(names = "--tracker", paramLabel = "PRESET", defaultValue = "default",
            description = "Tracker thresholds: default or mot15-public (default ${DEFAULT-VALUE}).")
    String trackerPreset;

    @Option(names = "--frame-rate", paramLabel = "HZ",
            description = "The stream's frame rate; default: inferred from the recorded frame times.")
    Double frameRateHz;

    @Option(names = "--diff", description = "Compare with what was recorded: events added, removed or changed by type, alerts gained"
            + " or lost with their times; exit " + EXIT_DIFFERS + " when they differ.")
    boolean diff;

    @Override
    public Integer call() throws IOException {
        SessionReplay.Settings settings = new SessionReplay.Settings(policy(), tracker(trackerPreset), frameRateHz);
        Recorded recorded = jdbcUrl != null
                ? RecordedSessions.fromStore(jdbcUrl, jdbcUser, jdbcPassword, session)
                : RecordedSessions.fromJournal(journal != null ? journal : ProjectHome.get().resolve(DEFAULT_JOURNAL), session);
        Outcome outcome = SessionReplay.replay(recorded, settings);
        return report(outcome, diff, trackerPreset, System.out);
    }

    private RiskPolicy policy() throws IOException {
        if (policyFile == null) {
            return null;
        }
        if (!Files.isRegularFile(policyFile)) {
            throw new IllegalArgumentException("no policy file " + policyFile);
        }
        try {
            return RiskPolicy.fromJson(policyFile);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("policy " + policyFile + " is not a valid risk policy: " + e.getMessage(), e);
        }
    }

    static TrackerConfig tracker(String preset) {
        return switch (preset) {
            case "default" -> TrackerConfig.defaults();
            case "mot15-public" -> TrackerConfig.mot15PublicDetections();
            default -> throw new IllegalArgumentException("unknown --tracker " + preset + "; presets: default, mot15-public");
        };
    }

    /** Prints the replay (and the diff) and returns the exit code. */
    static int report(Outcome o, boolean diff, String trackerPreset, PrintStream out) {
        out.printf(Locale.ROOT, "replay of session %s from %s%n", o.recorded().sessionId(), o.recorded().source());
        out.printf(Locale.ROOT, "  %d frames, policy %s (%s), tracker %s, frame rate %.3f Hz%n", o.frames(), o.policy().version(),
                o.policyRecorded() ? "as recorded" : "from --policy", trackerPreset, o.frameRateHz());
        Diff d = SessionReplay.diff(o);
        if (!diff) {
            out.printf(Locale.ROOT, "  %-20s %9s%n", "event", "replayed");
            for (Map.Entry<String, TypeCounts> e : d.byType().entrySet()) {
                if (e.getValue().replayed > 0) {
                    out.printf(Locale.ROOT, "  %-20s %9d%n", e.getKey(), e.getValue().replayed);
                }
            }
            return 0;
        }
        out.printf(Locale.ROOT, "  %-20s %9s %9s %7s %7s %7s%n", "event", "recorded", "replayed", "added", "removed", "changed");
        for (Map.Entry<String, TypeCounts> e : d.byType().entrySet()) {
            TypeCounts c = e.getValue();
            out.printf(Locale.ROOT, "  %-20s %9d %9d %7d %7d %7d%n", e.getKey(), c.recorded, c.replayed, c.added, c.removed, c.changed);
        }
        alerts(out, "alerts lost (recorded, not raised by the replay)", d.alertsLost());
        alerts(out, "alerts gained (raised by the replay, not recorded)", d.alertsGained());
        if (d.identical()) {
            out.println("identical: the replay reproduced every recorded decision event byte for byte");
            return 0;
        }
        for (String ex : d.examples()) {
            out.println("  " + ex);
        }
        out.printf(Locale.ROOT, "differs: %d event(s) added, removed or changed (exit %d)%n", d.differing(), EXIT_DIFFERS);
        return EXIT_DIFFERS;
    }

    private static void alerts(PrintStream out, String title, List<AlertAt> alerts) {
        out.println(title + ": " + (alerts.isEmpty() ? "none" : alerts.size()));
        for (AlertAt a : alerts) {
            out.printf(Locale.ROOT, "  %s %s on %s at %.3f s (%s)%n", a.kind(), a.level(), a.trackId(), a.atS(), a.alertId());
        }
    }
}
