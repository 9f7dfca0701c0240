package io.sightline.edge.cli;

import io.sightline.domain.event.AlertRaised;
import io.sightline.edge.risk.AlertKind;
import io.sightline.edge.risk.RiskPolicy;
import io.sightline.edge.signals.Comma2k19Log;
import io.sightline.edge.signals.Comma2k19Replay;
import io.sightline.edge.signals.NpyFormatException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code replay-comma2k19}: real CAN speed and radar through the risk policy and actuation. */
@Command(name = "replay-comma2k19", mixinStandardHelpOptions = true,
        description = {
            "Replay a comma2k19 segment (CAN speed as ego state, radar points as measured objects)",
            "through the edge projector's range filter, risk policy and actuation, and print the alerts.",
            "With --expect-no-fcw, exits " + ReplayComma2k19Command.FCW_RAISED + " if a forward-collision warning fired."})
public final class ReplayComma2k19Command implements Callable<Integer> {

    static final int FCW_RAISED = 3;

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "DIR", description = "Segment directory (holding processed_log/CAN).")
    Path dir;

    @Option(names = "--policy", paramLabel = "policy.json", description = "Risk policy thresholds (default: built-in).")
    Path policyFile;

    @Option(names = "--expect-no-fcw", description = "Fail when a FORWARD_COLLISION alert is raised (normal driving).")
    boolean expectNoFcw;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Comma2k19Log log;
        RiskPolicy policy;
        try {
            policy = policyFile == null ? RiskPolicy.defaults() : RiskPolicy.fromJson(policyFile);
            log = Comma2k19Log.read(dir);
        } catch (IOException | NpyFormatException | IllegalArgumentException e) {
            return CliErrors.report(err, "replay-comma2k19", e);
        }
        Comma2k19Replay.Result r = Comma2k19Replay.replay(log, policy);
        out.printf(Locale.ROOT, "policy %s: %d speed samples (%.2f-%.2f m/s), %d radar rows, %d rejected, "
                        + "%d risk assessments%n", policy.version(), r.speedSamples(), r.minEgoSpeedMps(),
                r.maxEgoSpeedMps(), r.radarRows(), r.rejectedInputs(), r.assessments());
        out.printf(Locale.ROOT, "in-path minimum: FCW TTC %.2f s (raise at %.2f s), time gap %.2f s (raise at %.2f s)%n",
                r.minInPathFcwTtcS(), policy.forwardCollision().ttcRaiseS(), r.minInPathTimeGapS(),
                policy.followingDistance().timeGapRaiseS());
        for (AlertKind k : io.sightline.edge.app.SafetyApplications.shippedKinds()) {
            out.printf(Locale.ROOT, "%-22s %d alert(s)%n", k, r.alerts(k));
        }
        for (AlertRaised a : r.alerts()) {
            out.printf(Locale.ROOT, "  %s %s at %.2f s on %s%n", a.kind(), a.level(), a.raisedAtNanos() * 1e-9, a.trackId());
        }
        out.printf(Locale.ROOT, "%d suppressed alert request(s)%n", r.suppressions());
        out.flush();
        return expectNoFcw && r.alerts(AlertKind.FORWARD_COLLISION) > 0 ? FCW_RAISED : 0;
    }
}
