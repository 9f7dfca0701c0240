package io.sightline.eval.cli;

import io.sightline.edge.actuation.ActuationConfig;
import io.sightline.edge.pipeline.EstimatorConfig;
import io.sightline.edge.risk.RiskPolicy;
import io.sightline.edge.tracking.TrackerConfig;
import io.sightline.edge.scenario.ScenarioResult;
import io.sightline.edge.scenario.ScenarioRunner;
import io.sightline.edge.scenario.ScenarioSpecException;
import io.sightline.eval.Evaluator;
import io.sightline.eval.Suites;
import io.sightline.eval.family.FamilyParser;
import io.sightline.eval.family.ScenarioFamily;
import io.sightline.eval.gate.ReleaseGate;
import io.sightline.eval.replay.ReplayBackend;
import io.sightline.eval.report.EvaluationReport;
import io.sightline.eval.report.CloudSubmission;
import io.sightline.eval.report.ReportBuilder;
import io.sightline.eval.report.ReportWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code evaluate}: runs scenario families many times and reports rates with confidence bounds. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = {
            "Evaluate the safety core over scenario families (format: scenarios/families/README.md): every grid cell",
            "of every family runs N times with seeds S..S+N-1, each seed drawing the parameters and the noise.",
            "Prints per family the warning, miss, false-alert and nuisance rates with one-sided 95 %% Clopper-Pearson",
            "bounds, TTC at the first warning, grid cells passed and the runs still needed to claim the target.",
            "Exit codes: 0 no run failed (with --gate: the gate passed); " + EvaluateCommand.RUNS_FAILED + " some run failed; "
                    + EvaluateCommand.GATE_FAILED + " with --gate: a bound of the gate failed; 1 invalid family, gate or input; 2 usage."})
public final class EvaluateCommand implements Callable<Integer> {

    /** Exit code when at least one run failed its family's expectation. */
    public static final int RUNS_FAILED = 3;
    /** Exit code when a release gate's bound failed ({@code --gate}): the release must not ship. */
    public static final int GATE_FAILED = 4;
    static final int INPUT_ERROR = CommandLine.ExitCode.SOFTWARE;
    /** Failing runs printed per family (all are counted; report.json lists more). */
    static final int PRINTED_FAILURES = 3;
    private static final Pattern RUN_ID = Pattern.compile("(.+)/c(\\d+)/s(-?\\d+)");

    @Spec
    CommandSpec spec;

    static final class Source {
        @Option(names = "--suite", paramLabel = "NAME",
                description = "A shipped suite: nhtsa-fcw, euro-ncap-ccr, hazards, benign, rolling-stop or all.")
        String suite;

        @Option(names = "--family", paramLabel = "FILE", arity = "1..*", description = "One or more family files.")
        List<Path> families;

        @Option(names = "--replay", description = "Replay --policy over the sessions stored in the cloud (--jdbc-url), against what they"
                + " recorded: alerts gained and lost, reviewed true positives lost, reviewed false positives removed, alert rate per hour.")
        boolean replay;
    }

    @Option(names = "--policy", paramLabel = "FILE", description = "The risk policy to decide with (JSON, docs/risk-policy.md);"
            + " default: the shipped one. With --replay: the candidate replayed over stored sessions.")
    Path policyFile;

    @Option(names = "--jdbc-url", paramLabel = "URL", description = "With --replay: the cloud's PostgreSQL.")
    String jdbcUrl;

    @Option(names = "--jdbc-user", paramLabel = "USER", description = "With --replay: user for --jdbc-url.")
    String jdbcUser;

    @Option(names = "--jdbc-password", paramLabel = "PASSWORD", description = "With --replay: password for --jdbc-url.")
    String jdbcPassword;

    @Option(names = "--fleet", paramLabel = "ID", description = "With --replay: only this fleet's sessions.")
    String fleet;

    @Option(names = "--from", paramLabel = "TIME", description = "With --replay: sessions started at or after (ISO-8601 instant or epoch ns).")
    String from;

    @Option(names = "--to", paramLabel = "TIME", description = "With --replay: sessions started before (ISO-8601 instant or epoch ns).")
    String to;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Source source;

    @Option(names = "--runs", paramLabel = "N", defaultValue = "100",
            description = "Runs per grid cell (per family without a grid); default ${DEFAULT-VALUE}.")
    int runs;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "First seed; default ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--threads", paramLabel = "T", description = "Worker threads; default: every core.")
    Integer threads;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Write DIR/report.json (same bytes for the same seed), DIR/report.html and the listed runs' scenarios in DIR/runs/.")
    Path out;

    @Option(names = "--rerun", paramLabel = "ID",
            description = "Re-run one run alone (an id printed next to a failing run, FAMILY/cCELL/sSEED) and print what happened.")
    String rerun;

    @Option(names = "--families-dir", paramLabel = "DIR",
            description = "Where the suites' folders are; default scenarios/families of the project.")
    Path familiesDir;

    @Option(names = "--gate", paramLabel = "FILE",
            description = "A release gate (e.g. scenarios/gates.json): bounds the report must meet; the exit code is then the gate's"
                    + " verdict, and each failing bound is named.")
    Path gateFile;

    @Option(names = "--cloud-url", paramLabel = "URL",
            description = "Store the evaluation's summary in the cloud as an EvaluationCompleted (POST /api/v1/evaluations), with the admin"
                    + " token in --token-file or SIGHTLINE_TOKEN.")
    java.net.URI cloudUrl;

    @Option(names = "--token-file", paramLabel = "FILE", description = "With --cloud-url: a file holding the bearer token.")
    Path tokenFile;

    @Option(names = "--target-hazard", paramLabel = "P", defaultValue = "0.02",
            description = "Failure-rate bound a hazard family should reach (budget); default ${DEFAULT-VALUE}.")
    double targetHazard;

    @Option(names = "--target-benign", paramLabel = "P", defaultValue = "0.01",
            description = "False-alert-rate bound a benign family should reach (budget); default ${DEFAULT-VALUE}.")
    double targetBenign;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter stdout = spec.commandLine().getOut();
        if (runs < 1) {
            throw new ParameterException(spec.commandLine(), "--runs must be >= 1, got " + runs);
        }
        int t = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        if (t < 1) {
            throw new ParameterException(spec.commandLine(), "--threads must be >= 1, got " + t);
        }
        for (double p : new double[] {targetHazard, targetBenign}) {
            if (!(p > 0 && p < 1)) {
                throw new ParameterException(spec.commandLine(), "--target-hazard and --target-benign must be in (0, 1), got " + p);
            }
        }
        if (source == null && rerun == null) {
            throw new ParameterException(spec.commandLine(), "give --suite NAME, --family FILE... or --replay (or --rerun ID)");
        }
        if (source != null && source.replay) {
            return replay(stdout, err);
        }
        Path dir = familiesDir != null ? familiesDir : Suites.defaultDir();
        List<ScenarioFamily> families;
        try {
            if (source != null && source.suite != null) {
                families = Suites.load(dir, source.suite);
            } else if (source != null) {
                families = new ArrayList<>();
                for (Path f : source.families) {
                    families.add(FamilyParser.parse(f, null));
                }
                Suites.checkUniqueIds(families);
            } else {
                families = Suites.load(dir, Suites.ALL);
            }
        } catch (Suites.UnknownSuiteException e) {
            return fail(err, "--suite: " + e.getMessage());
        } catch (ScenarioSpecException e) {
            return fail(err, e.getMessage());
        } catch (NoSuchFileException e) {
            return fail(err, e.getFile() + ": no such file");
        } catch (IOException e) {
            return fail(err, e.getMessage() == null ? e.toString() : e.getMessage());
        }
        String token = null;
        if (cloudUrl != null) {
            try {
                token = tokenFile != null ? Files.readString(tokenFile, StandardCharsets.UTF_8).strip() : System.getenv("SIGHTLINE_TOKEN");
            } catch (IOException e) {
                return fail(err, "--token-file " + tokenFile + ": cannot read it (" + e.getMessage() + ")");
            }
            if (token == null || token.isBlank()) {
                return fail(err, "--cloud-url needs an admin token: --token-file FILE or SIGHTLINE_TOKEN (./sightline token --role admin ...)");
            }
        }
        ReleaseGate gate = null;
        Map<String, String> knownFamilies = new LinkedHashMap<>();
        if (gateFile != null) {
            // Checked against every shipped family before anything runs: a gate naming one that does not exist is refused.
            try {
                for (ScenarioFamily f : Suites.load(dir, Suites.ALL)) {
                    knownFamilies.put(f.id(), f.suite());
                }
                for (ScenarioFamily f : families) {
                    knownFamilies.putIfAbsent(f.id(), f.suite());
                }
                gate = ReleaseGate.read(gateFile, knownFamilies);
            } catch (ReleaseGate.GateException e) {
                return fail(err, e.getMessage());
            } catch (Suites.UnknownSuiteException | ScenarioSpecException | IOException e) {
                return fail(err, "--gate: cannot load the shipped families to check the gate against: " + e.getMessage());
            }
        }
        RiskPolicy policy = RiskPolicy.defaults();
        if (policyFile != null) {
            try {
                policy = RiskPolicy.fromJson(policyFile);
            } catch (IOException | IllegalArgumentException e) {
                return fail(err, "--policy " + policyFile + ": " + e.getMessage());
            }
        }
        Evaluator evaluator = new Evaluator(new ScenarioRunner(policy, ActuationConfig.defaults(), EstimatorConfig.defaults(),
                TrackerConfig.defaults()));
        if (rerun != null) {
            return rerun(evaluator, families, stdout, err);
        }
        long total = Evaluator.totalRuns(families, runs);
        err.printf(Locale.ROOT, "evaluate: %d families, %d runs (%d per cell), seed %d, %d threads%n", families.size(),
                total, runs, seed, t);
        err.flush();
        Progress progress = new Progress(err, total);
        long startNanos = System.nanoTime();
        Evaluator.Result result;
        try {
            result = evaluator.run(families, runs, seed, t, progress::update);
        } catch (Evaluator.RunFailedException e) {
            progress.finish();
            return fail(err, e.getMessage());
        }
        double seconds = (System.nanoTime() - startNanos) * 1e-9;
        progress.finish();
        err.printf(Locale.ROOT, "evaluate: %d runs in %.1f s, %.0f runs/s on %d threads%n", total, seconds,
                total / seconds, t);
        err.flush();
        EvaluationReport report = ReportBuilder.build(result, source != null ? source.suite : null, policy,
                new EvaluationReport.Targets(targetHazard, targetBenign), out != null);
        printSummary(report, stdout);
        if (out != null) {
            try {
                write(report, families, out);
            } catch (IOException | ScenarioSpecException e) {
                return fail(err, "cannot write the report to " + out + ": " + e.getMessage());
            }
            stdout.println("report: " + out.resolve("report.json") + " and " + out.resolve("report.html"));
            stdout.flush();
        }
        ReleaseGate.Verdict verdict = gate == null ? null : gate.check(report, knownFamilies);
        if (cloudUrl != null) {
            try {
                CloudSubmission.Stored stored = CloudSubmission.submit(cloudUrl, token,
                        CloudSubmission.body(report, verdict, System.currentTimeMillis() * 1_000_000L));
                stdout.println("stored in the cloud as EvaluationCompleted " + stored.evaluationId() + " (event " + stored.eventId() + ", log "
                        + stored.logId() + ")");
                stdout.flush();
            } catch (IOException | IllegalArgumentException e) {
                return fail(err, "--cloud-url " + cloudUrl + ": " + e.getMessage() + "; the report is in " + (out == null ? "(no --out)" : out));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return fail(err, "--cloud-url: interrupted");
            }
        }
        if (gate != null) {
            printGate(verdict, stdout);
            if (out != null) {
                try {
                    ReportWriter.writeGate(verdict, out.resolve("gate.json"));
                } catch (IOException e) {
                    return fail(err, "cannot write " + out.resolve("gate.json") + ": " + e.getMessage());
                }
            }
            return verdict.pass() ? 0 : GATE_FAILED;
        }
        return report.totals().failedRuns() == 0 ? 0 : RUNS_FAILED;
    }

    private int replay(PrintWriter stdout, PrintWriter err) {
        if (policyFile == null) {
            return fail(err, "--replay needs --policy FILE: the candidate policy to replay the stored sessions with");
        }
        if (jdbcUrl == null) {
            return fail(err, "--replay needs --jdbc-url URL: the cloud store whose sessions are replayed");
        }
        Long fromNanos;
        Long toNanos;
        try {
            fromNanos = time("--from", from);
            toNanos = time("--to", to);
        } catch (IllegalArgumentException e) {
            return fail(err, e.getMessage());
        }
        if (fromNanos != null && toNanos != null && fromNanos >= toNanos) {
            return fail(err, "--from must be before --to");
        }
        ReplayBackend backend = java.util.ServiceLoader.load(ReplayBackend.class).findFirst().orElse(null);
        if (backend == null) {
            return fail(err, "--replay needs the launcher's replay (run it with ./sightline, whose jar provides it)");
        }
        ReplayBackend.Report r;
        try {
            r = backend.evaluate(new ReplayBackend.Request(jdbcUrl, jdbcUser, jdbcPassword, policyFile, fleet, fromNanos, toNanos), line -> {
                err.println(line);
                err.flush();
            });
        } catch (Exception e) {
            return fail(err, "--replay: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
        }
        printReplay(r, stdout);
        if (out != null) {
            try {
                Files.createDirectories(out);
                ReportWriter.writeReplay(r, out.resolve("replay-report.json"));
                stdout.println("report: " + out.resolve("replay-report.json"));
                stdout.flush();
            } catch (IOException e) {
                return fail(err, "cannot write " + out.resolve("replay-report.json") + ": " + e.getMessage());
            }
        }
        return 0;
    }

    static Long time(String option, String text) {
        if (text == null) {
            return null;
        }
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException notNanos) {
            try {
                java.time.Instant i = java.time.Instant.parse(text.trim());
                return i.getEpochSecond() * 1_000_000_000L + i.getNano();
            } catch (java.time.format.DateTimeParseException e) {
                throw new IllegalArgumentException(option + ": '" + text + "' is neither epoch nanoseconds nor an ISO-8601 instant"
                        + " (2026-12-01T00:00:00Z)");
            }
        }
    }

    static void printReplay(ReplayBackend.Report r, PrintWriter out) {
        out.printf(Locale.ROOT, "replay evaluation of policy %s against %s%n", r.candidatePolicy(),
                r.recordedPolicies().isEmpty() ? "no recorded policy" : "recorded " + String.join(", ", r.recordedPolicies()));
        out.printf(Locale.ROOT, "  %d sessions%s, %d frames, %.2f h of driving%s%n", r.sessions(), r.fleetId() == null ? "" : " of " + r.fleetId(),
                r.frames(), r.drivingHours(), r.skipped().isEmpty() ? "" : " (" + r.skipped().size() + " skipped)");
        out.printf(Locale.ROOT, "  alerts: %d recorded, %d replayed; %d gained, %d lost%n", r.recordedAlerts(), r.replayedAlerts(),
                r.gained().size(), r.lost().size());
        out.printf(Locale.ROOT, "  reviewed true positives lost: %d%n", r.reviewedTruePositivesLost());
        out.printf(Locale.ROOT, "  reviewed false positives removed: %d%n", r.reviewedFalsePositivesRemoved());
        out.printf(Locale.ROOT, "  unreviewed alerts lost: %d%n", r.unreviewedLost());
        if (r.alertRateChangePerHour() != null) {
            out.printf(Locale.ROOT, "  alert rate: %.2f -> %.2f per hour of driving (%+.2f)%n", r.recordedAlertsPerHour(), r.replayedAlertsPerHour(),
                    r.alertRateChangePerHour());
        } else {
            out.println("  alert rate: no driving time recorded (no vehicle-state samples while moving)");
        }
        for (ReplayBackend.AlertChange a : r.lost()) {
            out.printf(Locale.ROOT, "  lost   %-18s %s at %.2f s of %s%s%n", a.kind(), a.alertId(), a.atS(), a.sessionId(),
                    a.verdict() == null ? "" : " (reviewed " + a.verdict() + ")");
        }
        for (ReplayBackend.AlertChange a : r.gained()) {
            out.printf(Locale.ROOT, "  gained %-18s %s at %.2f s of %s%n", a.kind(), a.alertId(), a.atS(), a.sessionId());
        }
        for (String s : r.skipped()) {
            out.println("  skipped " + s);
        }
        out.flush();
    }

    static void printGate(ReleaseGate.Verdict v, PrintWriter out) {
        long failed = v.failures().size();
        out.printf(Locale.ROOT, "%ngate %s: %s (%d of %d bounds met)%n", v.gate(), v.pass() ? "PASSED" : "FAILED",
                v.checks().size() - failed, v.checks().size());
        for (ReleaseGate.Check c : v.failures()) {
            out.printf(Locale.ROOT, "  FAILED %-34s %-28s %s%n", c.rule(), c.family(), c.why());
        }
        out.flush();
    }

    private int rerun(Evaluator evaluator, List<ScenarioFamily> families, PrintWriter stdout, PrintWriter err) {
        Matcher m = RUN_ID.matcher(rerun);
        if (!m.matches()) {
            return fail(err, "--rerun: '" + rerun + "' is not a run id FAMILY/cCELL/sSEED");
        }
        ScenarioFamily family = families.stream().filter(f -> f.id().equals(m.group(1))).findFirst().orElse(null);
        if (family == null) {
            return fail(err, "--rerun: no family '" + m.group(1) + "' in the families given");
        }
        int cell;
        long s;
        try {
            cell = Integer.parseInt(m.group(2));
            s = Long.parseLong(m.group(3));
        } catch (NumberFormatException e) {
            return fail(err, "--rerun: '" + rerun + "' has a cell or seed out of range");
        }
        if (cell >= family.cells()) {
            return fail(err, "--rerun: family " + family.id() + " has cells 0.." + (family.cells() - 1) + ", not " + cell);
        }
        Evaluator.Rerun r;
        try {
            r = evaluator.rerun(family, cell, s);
        } catch (ScenarioSpecException e) {
            return fail(err, e.getMessage());
        }
        ScenarioResult res = r.result();
        stdout.println("run " + r.instance().runId() + " of " + family.file() + ": " + (res.passed() ? "PASSED" : "FAILED"));
        stdout.println("  " + res.reason());
        stdout.println("  requirement: " + ReportBuilder.requirement(family.expectation()));
        stdout.println("  collision at " + (res.collisionAtS() == null ? "- (none)" : String.format(Locale.ROOT, "%.3f s", res.collisionAtS())));
        for (ScenarioResult.Alert a : res.alerts()) {
            stdout.printf(Locale.ROOT, "  alert %s at %.3f s, true TTC %s, cleared %s, track %s%n", a.kind(), a.atS(),
                    a.ttcTrueS() == null ? "-" : String.format(Locale.ROOT, "%.3f s", a.ttcTrueS()),
                    a.clearedAtS() == null ? "never" : String.format(Locale.ROOT, "%.3f s", a.clearedAtS()), a.trackId());
        }
        stdout.println("  parameters:");
        for (Map.Entry<String, Double> e : r.instance().values().entrySet()) {
            stdout.printf(Locale.ROOT, "    %-36s %s%n", e.getKey(), e.getValue());
        }
        stdout.printf(Locale.ROOT, "  counts: %s%n", res.counts());
        if (r.coverage() != null) {
            var c = r.coverage();
            stdout.printf(Locale.ROOT, "  coverage: %s; '%s' in the %.2f s warning window after its onset at %.2f s: in view "
                    + "%.2f s (longest stretch %.2f s, %.2f s needed), wholly %.2f s%n", c.observable() ? "observable" : c.reason(),
                    c.actorId(), c.windowS(), c.onsetS(), c.partlyInViewS(), c.longestInViewS(), c.requiredS(), c.whollyInViewS());
        }
        if (out != null) {
            try {
                Files.createDirectories(out);
                Path f = out.resolve(ReportBuilder.inputFile(r.instance().runId()).substring("runs/".length()));
                Files.writeString(f, r.instance().json().toPrettyString() + "\n", StandardCharsets.UTF_8);
                stdout.println("  scenario written to " + f + " (./sightline scenarios --file " + f + " runs it again)");
            } catch (IOException e) {
                return fail(err, "cannot write " + out + ": " + e.getMessage());
            }
        }
        stdout.flush();
        return res.passed() ? 0 : RUNS_FAILED;
    }

    private static void write(EvaluationReport report, List<ScenarioFamily> families, Path dir)
            throws IOException, ScenarioSpecException {
        Files.createDirectories(dir);
        ReportWriter.writeJson(report, dir.resolve("report.json"));
        ReportWriter.writeHtml(report, dir.resolve("report.html"));
        Set<String> written = new LinkedHashSet<>();
        for (int i = 0; i < families.size(); i++) {
            EvaluationReport.FamilyReport f = report.families().get(i);
            List<EvaluationReport.Run> listed = new ArrayList<>(f.failingRuns());
            listed.addAll(f.worstRuns());
            if (f.hazard() != null && f.hazard().coverage() != null) {
                listed.addAll(f.hazard().coverage().unobservableFailingRuns());
            }
            for (EvaluationReport.Run run : listed) {
                if (run.input() == null || !written.add(run.input())) {
                    continue;
                }
                ScenarioFamily.Instance in = families.get(i).instantiate(run.cell(), run.seed());
                Path file = dir.resolve(run.input());
                Files.createDirectories(file.getParent());
                Files.writeString(file, in.json().toPrettyString() + "\n", StandardCharsets.UTF_8);
            }
        }
    }

    static void printSummary(EvaluationReport r, PrintWriter out) {
        printSummary(r, out, true);
    }

    /** The summary table; {@code failures}: also each family's first failing runs and the evaluate re-run hint. */
    public static void printSummary(EvaluationReport r, PrintWriter out, boolean failures) {
        out.printf(Locale.ROOT, "%-40s %-6s %6s %6s %8s %9s  %-22s %7s %7s %9s  %s%n", "family", "kind", "runs", "failed",
                "rate", "95%-upper", "TTC min/p5/median (s)", "timely", "nuisnc", "cells", "budget");
        for (EvaluationReport.FamilyReport f : r.families()) {
            String ttc = "-";
            String timely = "-";
            String nuisance = "-";
            double rate = f.failureRate();
            double upper = f.failureUpper95();
            if (f.hazard() != null && f.hazard().protocolMinTtcS() != null) {
                var h = f.hazard();
                ttc = h.ttcMinS() == null ? "none" : String.format(Locale.ROOT, "%.2f/%.2f/%.2f", h.ttcMinS(), h.ttcP5S(), h.ttcMedianS());
                timely = pct(h.warnedBeforeMinShare());
                nuisance = pct(h.nuisanceRate());
            }
            if (f.benign() != null) {
                rate = f.benign().falseAlertRate();
                upper = f.benign().falseAlertUpper95();
            }
            var b = f.budget();
            String budget = b.met() ? "meets " + pct(b.target())
                    : "+" + (b.moreCleanRuns() == null ? "∞" : b.moreCleanRuns()) + " clean runs for " + pct(b.target());
            out.printf(Locale.ROOT, "%-40s %-6s %6d %6d %8s %9s  %-22s %7s %7s %9s  %s%s%n", f.id(),
                    f.kind().equals("HAZARD") ? "hazard" : "benign", f.runs(), f.failedRuns(), pct(rate), pct(upper), ttc,
                    timely, nuisance, f.grid() == null ? "-" : f.grid().cellsPassed() + "/" + f.grid().cells().size(), budget,
                    f.failedRuns() == 0 ? "" : "   FAIL");
        }
        var tot = r.totals();
        out.printf(Locale.ROOT, "%d of %d families without a failing run; %d meet their target bound; %d of %d runs failed "
                + "(seed %d, %d runs per cell, policy %s)%n", tot.familiesWithoutFailure(), tot.families(),
                tot.familiesMeetingTarget(), tot.failedRuns(), tot.runs(), r.seed(), r.runsPerCell(), r.policy().version());
        for (EvaluationReport.FamilyReport f : r.families()) {
            var g = f.grid();
            if (g != null && g.cellsLateOrMissed() != null && g.cellsPassed() < g.cells().size()) {
                int nuisanceOnly = g.cells().size() - g.cellsPassed() - g.cellsLateOrMissed();
                out.printf(Locale.ROOT, "  cells %s: %d of %d fail: %d with a late or missed run, %d only by early "
                        + "(nuisance) warnings%n", f.id(), g.cells().size() - g.cellsPassed(), g.cells().size(),
                        g.cellsLateOrMissed(), nuisanceOnly);
            }
        }
        for (EvaluationReport.FamilyReport f : r.families()) {
            var c = f.hazard() == null ? null : f.hazard().coverage();
            if (c != null && c.unobservableRuns() > 0) {
                out.printf(Locale.ROOT, "  coverage %s: %d of %d runs unobservable (%s, 95%% bounds %s-%s): sensor-coverage "
                        + "gap, %d of them failed; over the %d observable: late or missed %d (%s, 95%%-upper %s), missed %d "
                        + "(95%%-upper %s)%n", f.id(), c.unobservableRuns(), f.runs(), pct(c.unobservableShare()),
                        pct(c.unobservableLower95()), pct(c.unobservableUpper95()), c.unobservableFailed(), c.observableRuns(),
                        c.observableLateOrMissed(), pctOrDash(c.observableLateOrMissedRate()),
                        pctOrDash(c.observableLateOrMissedUpper95()), c.observableMissed(),
                        pctOrDash(c.observableMissRateUpper95()));
            }
        }
        for (EvaluationReport.FamilyReport f : r.families()) {
            for (String w : f.warnings()) {
                out.println("  WARNING " + f.id() + ": " + w);
            }
            if (!failures) {
                continue;
            }
            int shown = 0;
            for (EvaluationReport.Run run : f.failingRuns()) {
                if (shown++ == PRINTED_FAILURES) {
                    break;
                }
                out.println("  FAIL " + run.id() + ": " + run.reason() + (run.coverage() == null ? "" : " [" + run.coverage() + "]"));
            }
            if (f.failedRuns() > PRINTED_FAILURES) {
                out.println("  ... " + (f.failedRuns() - PRINTED_FAILURES) + " more failing run(s) of " + f.id()
                        + " (report.json lists " + ReportBuilder.MAX_LISTED_RUNS + " per family)");
            }
        }
        if (failures && tot.failedRuns() > 0) {
            out.println("re-run one alone: ./sightline evaluate --family FILE --rerun ID (or --suite NAME --rerun ID)");
        }
        out.flush();
    }

    private static String pctOrDash(Double v) {
        return v == null ? "-" : pct(v);
    }

    static String pct(double v) {
        return String.format(Locale.ROOT, v != 0 && v < 0.001 ? "%.3f%%" : "%.1f%%", v * 100);
    }

    private static int fail(PrintWriter err, String message) {
        err.println("evaluate: " + message);
        err.flush();
        return INPUT_ERROR;
    }

    /**
     * A progress bar on stderr, redrawn in place at most twice a second on a terminal; elsewhere (a
     * log file, CI) a plain line every 10 s, so that logs do not fill with carriage returns.
     */
    static final class Progress {
        private final PrintWriter err;
        private final long total;
        private final long start = System.nanoTime();
        private final AtomicLong lastDraw = new AtomicLong(start);
        private final boolean terminal = System.console() != null;
        private volatile boolean drawn;

        Progress(PrintWriter err, long total) {
            this.err = err;
            this.total = total;
        }

        void update(int done) {
            long now = System.nanoTime();
            long last = lastDraw.get();
            long every = terminal ? 500_000_000L : 10_000_000_000L;
            if (now - last < every && done < total) {
                return;
            }
            if (!terminal && done >= total) {
                return;
            }
            if (!lastDraw.compareAndSet(last, now)) {
                return;
            }
            double s = (now - start) * 1e-9;
            int width = 30;
            int filled = (int) (width * done / Math.max(1, total));
            synchronized (err) {
                if (terminal) {
                    err.printf(Locale.ROOT, "\r[%s%s] %d/%d runs %3.0f%% %5.0f runs/s", "#".repeat(filled),
                            " ".repeat(width - filled), done, total, 100.0 * done / Math.max(1, total), done / Math.max(1e-9, s));
                    drawn = true;
                } else {
                    err.printf(Locale.ROOT, "evaluate: %d/%d runs (%.0f%%), %.0f runs/s%n", done, total,
                            100.0 * done / Math.max(1, total), done / Math.max(1e-9, s));
                }
                err.flush();
            }
        }

        void finish() {
            if (drawn) {
                synchronized (err) {
                    err.println();
                    err.flush();
                }
            }
        }
    }
}
