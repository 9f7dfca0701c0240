package io.sightline.app.videosuite;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.sightline.edge.risk.RiskPolicy;
import io.sightline.edge.scenario.ScenarioSpecException;
import io.sightline.eval.Evaluator;
import io.sightline.eval.RunOutcome;
import io.sightline.eval.cli.EvaluateCommand;
import io.sightline.eval.family.ScenarioFamily;
import io.sightline.eval.report.EvaluationReport;
import io.sightline.eval.report.ReportBuilder;
import io.sightline.eval.report.ReportWriter;
import io.sightline.inference.ProjectHome;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code video-suite}: issue 15 §4. Generates a suite's composited clips and runs each through the
 * real edge pipeline, then reports them with {@code evaluate}'s statistics and report writer.
 */
@Command(name = "video-suite", mixinStandardHelpOptions = true,
        description = {
            "Video suites through the real detector. Each case composites a scripted lead",
            "(speed profile, lateral offset, lane change, width) into a bundled dashcam clip",
            "with exact ground truth, then runs it through the FFmpeg decoder, YOLOX-nano",
            "(ONNX Runtime), tracker, range/TTC, the shipped risk policy and actuation.",
            "Reports evaluate's figures (warning, miss, nuisance and false-alert rates with",
            "one-sided 95 %% Clopper-Pearson bounds, TTC at the first warning) and the range",
            "error against the truth. Suites: scenarios/video-suites/ (format: its README.md).",
            "Exit codes: 0 no case failed; " + EvaluateCommand.RUNS_FAILED + " some case failed; 1 invalid suite or input;",
            "2 usage."})
public final class VideoSuiteCommand implements Callable<Integer> {

    public static final String TOOL = "sightline video-suite";
    private static final Pattern CASE_ID = Pattern.compile("(.+)/c(\\d+)/s(-?\\d+)");
    private static final ObjectWriter PRETTY = new ObjectMapper().writer(new DefaultPrettyPrinter()
            .withObjectIndenter(new DefaultIndenter("  ", "\n"))
            .withArrayIndenter(new DefaultIndenter("  ", "\n")));

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME|FILE", description = "A shipped suite (ci, full) or a suite file.")
    String suiteName;

    @Option(names = "--cases", paramLabel = "N", description = "Cases per clip of each group, seeds S..S+N-1; default: the suite's casesPerClip.")
    Integer cases;

    @Option(names = "--seed", paramLabel = "S", description = "First seed; default: the suite's seed.")
    Long seed;

    @Option(names = "--group", paramLabel = "ID", split = ",", description = "Only these groups (comma-separated ids).")
    List<String> onlyGroups;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Write DIR/report.json, DIR/report.html, DIR/cases.json, and keep the failing cases' clips (with their truth) in DIR/clips/.")
    Path out;

    @Option(names = "--keep-clips", description = "Keep every case's clip and truth (in DIR/clips/ with --out, else target/video-suite/clips/).")
    boolean keepClips;

    @Option(names = "--rerun", paramLabel = "ID", description = "Run one case alone (GROUP/cCLIP/sSEED, as printed next to a failing case),"
            + " keep its clip, and print its alerts and ground truth.")
    String rerun;

    @Option(names = "--list", description = "Print the cases and their parameters without running them.")
    boolean list;

    @Option(names = "--target-hazard", paramLabel = "P", defaultValue = "0.02", description = "Budget target for hazard groups; default ${DEFAULT-VALUE}.")
    double targetHazard;

    @Option(names = "--target-benign", paramLabel = "P", defaultValue = "0.01", description = "Budget target for benign groups; default ${DEFAULT-VALUE}.")
    double targetBenign;

    @Override
    public Integer call() throws Exception {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (cases != null && cases < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--cases must be >= 1, got " + cases);
        }
        for (double p : new double[] {targetHazard, targetBenign}) {
            if (!(p > 0 && p < 1)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--target-hazard and --target-benign must be in (0, 1), got " + p);
            }
        }
        Path home = ProjectHome.get();
        VideoSuite suite;
        try {
            suite = VideoSuite.load(suiteName, home);
        } catch (ScenarioSpecException e) {
            return fail(err, e.getMessage());
        } catch (NoSuchFileException e) {
            return fail(err, e.getReason() != null ? e.getFile() + ": " + e.getReason() : e.getFile() + ": no such file");
        }
        int n = cases != null ? cases : suite.casesPerClip();
        long s = seed != null ? seed : suite.seed();
        List<Integer> groups = new ArrayList<>();
        for (int g = 0; g < suite.groups().size(); g++) {
            if (onlyGroups == null || onlyGroups.contains(suite.groups().get(g).family().id())) {
                groups.add(g);
            }
        }
        if (onlyGroups != null) {
            for (String id : onlyGroups) {
                if (suite.groups().stream().noneMatch(gr -> gr.family().id().equals(id))) {
                    return fail(err, "--group: no group '" + id + "' in " + suite.file());
                }
            }
        }
        VideoSuiteRunner runner = new VideoSuiteRunner(home);
        if (rerun != null) {
            return rerun(suite, runner, home, stdout, err);
        }
        List<VideoSuiteRunner.Case> all = new ArrayList<>();
        for (int g : groups) {
            VideoSuite.Group group = suite.groups().get(g);
            for (int c = 0; c < group.clips().size(); c++) {
                for (int j = 0; j < n; j++) {
                    all.add(runner.resolve(suite, g, c, s + j));
                }
            }
        }
        if (list) {
            for (VideoSuiteRunner.Case c : all) {
                stdout.println(c.id() + "  " + describe(suite, c));
            }
            stdout.flush();
            return 0;
        }
        Path clipsDir = out != null ? out.resolve("clips") : home.resolve("target").resolve("video-suite").resolve("clips");
        Path work = Files.createTempDirectory("sightline-video-suite");
        err.printf(Locale.ROOT, "video-suite %s: %d groups, %d cases (%d per clip), seed %d; each case: composite, encode, then"
                + " decode -> %s -> track -> risk -> actuation%n", suite.name(), groups.size(), all.size(), n, s, VideoSuiteRunner.MODEL);
        err.flush();
        List<VideoSuiteRunner.CaseResult> results = new ArrayList<>();
        long start = System.nanoTime();
        try {
            for (int i = 0; i < all.size(); i++) {
                VideoSuiteRunner.Case c = all.get(i);
                VideoSuiteRunner.CaseResult r = runner.run(suite, c, work, true);
                boolean keep = keepClips || (out != null && !r.outcome().passed());
                r = keepOrDrop(r, clipsDir, keep);
                results.add(r);
                double elapsed = (System.nanoTime() - start) / 1e9;
                double eta = elapsed / (i + 1) * (all.size() - i - 1);
                err.printf(Locale.ROOT, "[%d/%d] %-44s %s  %d frames in %.1f s; elapsed %s, about %s to go%n", i + 1, all.size(),
                        c.id(), r.outcome().passed() ? "pass" : "FAIL", r.frames(), r.wallS(), duration(elapsed), duration(eta));
                err.flush();
            }
        } finally {
            deleteTree(work);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long frames = results.stream().mapToLong(VideoSuiteRunner.CaseResult::frames).sum();
        err.printf(Locale.ROOT, "video-suite: %d cases, %d frames in %.1f s (%.1f frames/s, %.1f s per case)%n", results.size(), frames,
                seconds, frames / seconds, seconds / Math.max(1, results.size()));
        err.flush();

        List<ScenarioFamily> families = new ArrayList<>();
        for (int g : groups) {
            families.add(suite.groups().get(g).family());
        }
        RunOutcome[] outcomes = new RunOutcome[results.size()];
        for (int i = 0; i < outcomes.length; i++) {
            RunOutcome o = results.get(i).outcome();
            // The report builder indexes families by their place in this evaluation, not in the suite file.
            outcomes[i] = new RunOutcome(groups.indexOf(o.family()), o.cell(), o.seed(), o.runId(), o.passed(), o.reason(),
                    o.collision(), o.ttcAtWarningS(), o.warned(), o.firstAlertKind(), o.alerts(), o.parameters());
        }
        EvaluationReport report = ReportBuilder.build(TOOL, new Evaluator.Result(families, n, s, outcomes), suite.name(),
                RiskPolicy.defaults(), new EvaluationReport.Targets(targetHazard, targetBenign), false);
        VideoSuiteReport video = VideoSuiteReport.of(suite, results, n, s);
        EvaluateCommand.printSummary(report, stdout, false);
        video.print(stdout);
        int failed = 0;
        for (VideoSuiteRunner.CaseResult r : results) {
            if (!r.outcome().passed()) {
                failed++;
                stdout.println("  FAIL " + r.c().id() + ": " + r.outcome().reason());
                stdout.println("       re-run alone: " + rerunCommand(suite, r.c().id()));
            }
        }
        if (out != null) {
            Files.createDirectories(out);
            Files.writeString(out.resolve("report.json"), ReportWriter.json(report), StandardCharsets.UTF_8);
            Files.writeString(out.resolve("report.html"), ReportWriter.html(report, f -> rerunCommand(suite, "ID"), video.html(),
                    "Sightline video suite"), StandardCharsets.UTF_8);
            Files.writeString(out.resolve("cases.json"), PRETTY.writeValueAsString(video.json()) + "\n", StandardCharsets.UTF_8);
            stdout.println("report: " + out.resolve("report.json") + ", " + out.resolve("report.html") + " and " + out.resolve("cases.json")
                    + (failed > 0 ? "; failing cases' clips in " + clipsDir : ""));
        }
        stdout.flush();
        return failed == 0 ? 0 : EvaluateCommand.RUNS_FAILED;
    }

    private int rerun(VideoSuite suite, VideoSuiteRunner runner, Path home, PrintWriter stdout, PrintWriter err) throws Exception {
        Matcher m = CASE_ID.matcher(rerun);
        if (!m.matches()) {
            return fail(err, "--rerun: '" + rerun + "' is not a case id GROUP/cCLIP/sSEED");
        }
        int g = -1;
        for (int i = 0; i < suite.groups().size(); i++) {
            if (suite.groups().get(i).family().id().equals(m.group(1))) {
                g = i;
            }
        }
        if (g < 0) {
            return fail(err, "--rerun: no group '" + m.group(1) + "' in " + suite.file());
        }
        int cell;
        long caseSeed;
        try {
            cell = Integer.parseInt(m.group(2));
            caseSeed = Long.parseLong(m.group(3));
        } catch (NumberFormatException e) {
            return fail(err, "--rerun: '" + rerun + "' has a clip or seed out of range");
        }
        if (cell >= suite.groups().get(g).clips().size()) {
            return fail(err, "--rerun: group " + m.group(1) + " has clips 0.." + (suite.groups().get(g).clips().size() - 1) + ", not " + cell);
        }
        VideoSuiteRunner.Case c = runner.resolve(suite, g, cell, caseSeed);
        Path dir = out != null ? out : home.resolve("target").resolve("video-suite").resolve("rerun");
        VideoSuiteRunner.CaseResult r = runner.run(suite, c, dir, true);
        stdout.println("case " + c.id() + " of " + suite.file() + ": " + (r.outcome().passed() ? "PASSED" : "FAILED"));
        stdout.println("  " + r.outcome().reason());
        stdout.println("  requirement: " + ReportBuilder.requirement(suite.groups().get(g).family().expectation()));
        stdout.println("  " + describe(suite, c));
        for (VideoSuiteRunner.AlertSeen a : r.alerts()) {
            stdout.printf(Locale.ROOT, "  alert %s at frame %d on %s; truth: gap %.2f m, TTC %s, lead %s the path; estimated range %.2f m, TTC %.2f s%n",
                    a.kind(), a.frameIndex(), a.onLead() ? "the lead's track" : "another track", a.trueGapM(),
                    Double.isFinite(a.trueTtcS()) ? String.format(Locale.ROOT, "%.2f s", a.trueTtcS()) : "none", a.leadInPath() ? "in" : "not in",
                    a.estimatedRangeM(), a.estimatedTtcS());
        }
        VideoSuiteReport.printRange(stdout, "  range on the lead's track", r.range());
        stdout.println("  clip: " + r.clip() + " (ground truth beside it); play it: ./sightline run --video " + r.clip() + " --exit");
        stdout.flush();
        return r.outcome().passed() ? 0 : EvaluateCommand.RUNS_FAILED;
    }

    /** The command that runs one case alone. */
    static String rerunCommand(VideoSuite suite, String id) {
        return "./sightline video-suite " + suite.argument() + " --rerun " + id;
    }

    static String describe(VideoSuite suite, VideoSuiteRunner.Case c) {
        LeadScript s = c.script();
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "clip %s, %.2f s, ego %.1f m/s; lead %.2f m wide, %.1f m/s, gap %.1f m, lateral %+.2f m",
                c.clip(), c.durationS(), s.egoSpeedMps(), s.widthM(), s.leadSpeedMps(), s.initialGapM(), s.initialLateralM()));
        if (Double.isFinite(s.brakeAtS())) {
            b.append(String.format(Locale.ROOT, ", brakes %.1f m/s² from %.2f s", s.decelMps2(), s.brakeAtS()));
        }
        if (Double.isFinite(s.laneChangeAtS())) {
            b.append(String.format(Locale.ROOT, ", moves to %+.2f m at %.1f m/s from %.2f s", s.laneChangeToLateralM(), s.laneChangeSpeedMps(),
                    s.laneChangeAtS()));
        }
        return b.toString();
    }

    /** Moves a kept clip (and its truth) from the work directory to {@code dir}, or forgets it. */
    private static VideoSuiteRunner.CaseResult keepOrDrop(VideoSuiteRunner.CaseResult r, Path dir, boolean keep) throws IOException {
        Path clip = r.clip();
        Path truth = Path.of(clip + io.sightline.app.clip.HazardClipCommand.TRUTH_SUFFIX);
        if (!keep) {
            Files.deleteIfExists(clip);
            Files.deleteIfExists(truth);
            return new VideoSuiteRunner.CaseResult(r.c(), r.outcome(), r.alerts(), r.range(), r.frames(), r.wallS(), null);
        }
        Files.createDirectories(dir);
        Path to = dir.resolve(clip.getFileName());
        Files.move(clip, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.move(truth, Path.of(to + io.sightline.app.clip.HazardClipCommand.TRUTH_SUFFIX), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return new VideoSuiteRunner.CaseResult(r.c(), r.outcome(), r.alerts(), r.range(), r.frames(), r.wallS(), to);
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static String duration(double seconds) {
        long t = Math.round(seconds);
        return t >= 60 ? (t / 60) + " min " + (t % 60) + " s" : t + " s";
    }

    private static int fail(PrintWriter err, String message) {
        err.println("video-suite: " + message);
        err.flush();
        return 1;
    }
}
