package io.sightline.eval;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.edge.scenario.ScenarioRunner;
import io.sightline.edge.scenario.ScenarioSpecException;
import io.sightline.eval.cli.EvaluateCommand;
import io.sightline.eval.family.FamilyParser;
import io.sightline.eval.family.ScenarioFamily;
import io.sightline.eval.gate.ReleaseGate;
import io.sightline.eval.report.EvaluationReport;
import io.sightline.eval.report.ReportBuilder;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Sensor-coverage classification (ADR-0038): a hazard the camera cannot see for long enough within
 * the warning window is called unobservable, counted and bounded on its own, and never dropped.
 */
class SensorCoverageTest {

    @TempDir
    Path tmp;

    private static final Evaluator EVALUATOR = new Evaluator(ScenarioRunner.withDefaults());

    /** The shipped cyclist family with its ego and riding speeds fixed (m/s), and the camera's fx replaced when given. */
    private static ScenarioFamily cyclist(double egoMps, double rideMps, Double fxPx) throws Exception {
        String json = Files.readString(ProjectFiles.families().resolve("hazards/cyclist-crossing.json"));
        json = json.replaceFirst("\"egoSpeed\": \\{\\s*\"uniform\": \\[[^\\]]*\\]\\s*\\}", "\"egoSpeed\": " + egoMps)
                .replaceFirst("\"ride\": \\{\\s*\"uniform\": \\[[^\\]]*\\]\\s*\\}", "\"ride\": " + rideMps);
        if (fxPx != null) {
            json = json.replace("\"fx\": 1000.0", "\"fx\": " + fxPx).replace("\"fy\": 1000.0", "\"fy\": " + fxPx);
        }
        assertThat(json).contains("\"egoSpeed\": " + egoMps).contains("\"ride\": " + rideMps);
        return FamilyParser.parse(json, "cyclist.json", "0".repeat(64), "hazards");
    }

    @Test
    void aCyclistOutsideTheFieldOfViewIsUnobservableAndOneInsideIsNot() throws Exception {
        // bearing atan(5.5 / 5.6) = 44.5° on the collision course: outside the 65° camera's ±32.6°
        Evaluator.Rerun out = EVALUATOR.rerun(cyclist(5.6, 5.5, null), 0, 3);
        CoverageRule.Coverage c = out.coverage();
        assertThat(c).isNotNull();
        assertThat(c.observable()).isFalse();
        assertThat(c.actorId()).isEqualTo("cyclist");
        assertThat(c.longestInViewS()).isLessThan(c.requiredS());
        assertThat(c.whollyInViewS()).isLessThan(c.requiredS());
        assertThat(c.windowS()).isGreaterThan(1.0);
        assertThat(c.onsetS()).isCloseTo(out.instance().values().get("t0"), org.assertj.core.data.Offset.offset(1e-4));
        assertThat(c.reason()).startsWith("unobservable: sensor-coverage gap: 'cyclist' in view for at most");
        // bearing atan(2.8 / 13.9) = 11.4°: in view all the way
        CoverageRule.Coverage in = EVALUATOR.rerun(cyclist(13.9, 2.8, null), 0, 3).coverage();
        assertThat(in.observable()).isTrue();
        assertThat(in.reason()).isNull();
        assertThat(in.longestInViewS()).isGreaterThanOrEqualTo(in.requiredS());
        assertThat(in.whollyInViewS()).isCloseTo(in.windowS(), org.assertj.core.data.Offset.offset(0.05));
        // the same crossing as the first, seen by a 120° camera (fx 369.5 px at 1280 px): observable
        assertThat(EVALUATOR.rerun(cyclist(5.6, 5.5, 369.5), 0, 3).coverage().observable()).isTrue();
    }

    @Test
    void aCyclistSeenOnlyWhileWaitingBeforeItRidesOffIsUnobservable() throws Exception {
        // cyclist-crossing/c0/s193: waiting at the kerb 13.8 m to the right it is in view, leaves the image as the ego
        // nears, and rides off at t0 = 1.89 s on a bearing of atan(4.80 / 7.05) = 34.2°, outside the camera's ±32.6°
        ScenarioFamily shipped = FamilyParser.parse(Files.readString(ProjectFiles.families().resolve("hazards/cyclist-crossing.json")),
                "cyclist-crossing.json", "0".repeat(64), "hazards");
        Evaluator.Rerun r = EVALUATOR.rerun(shipped, 0, 193);
        assertThat(r.result().passed()).isFalse();
        CoverageRule.Coverage c = r.coverage();
        assertThat(c.onsetS()).isCloseTo(r.instance().values().get("t0"), org.assertj.core.data.Offset.offset(1e-4));
        assertThat(c.observable()).isFalse();
    }

    @Test
    void theRequiredTimeIsTheConfirmationTimePlusTheMargin() {
        CoverageRule rule = EVALUATOR.coverageRule();
        // VRU: 2 hits to confirm + 0.3 s track age (9 frames) + 3 = 14 frames at 30 Hz; FCW: 2 + 15 + 3
        assertThat(rule.requiredFrames(io.sightline.edge.risk.AlertKind.VULNERABLE_ROAD_USER, 30)).isEqualTo(14);
        assertThat(rule.requiredFrames(io.sightline.edge.risk.AlertKind.FORWARD_COLLISION, 30)).isEqualTo(20);
        assertThat(rule.requiredFrames(io.sightline.edge.risk.AlertKind.FOLLOWING_DISTANCE, 30)).isEqualTo(-1);
    }

    @Test
    void theReportCountsAndBoundsUnobservableRunsApartAndTheGateCanBoundEither() throws Exception {
        ScenarioFamily blind = cyclist(5.6, 5.5, null);
        ScenarioFamily seen = cyclist(13.9, 2.8, null);
        Evaluator.Result r = EVALUATOR.run(List.of(blind), 20, 1, 2, n -> { });
        EvaluationReport report = ReportBuilder.build(r, null, ScenarioRunner.withDefaults().policy(),
                new EvaluationReport.Targets(0.02, 0.01), false);
        EvaluationReport.FamilyReport f = report.families().get(0);
        EvaluationReport.CoverageStats c = f.hazard().coverage();
        assertThat(c.unobservableRuns()).isEqualTo(20);
        assertThat(c.observableRuns()).isZero();
        assertThat(c.unobservableShare()).isEqualTo(1.0);
        assertThat(c.unobservableLower95()).isEqualTo(0.860891); // 20 of 20: 0.05^(1/20) = 0.8608916, rounded down
        assertThat(c.observableLateOrMissedUpper95()).isNull();
        // nothing is dropped: the unconditional figures still count every run, and the failing ones are listed with the reason
        assertThat(f.hazard().lateOrMissed()).isEqualTo(f.failedRuns());
        assertThat(c.unobservableFailed()).isEqualTo(f.failedRuns());
        assertThat(c.unobservableFailingRuns()).hasSize(Math.min(10, f.failedRuns()));
        assertThat(c.unobservableFailingRuns()).allSatisfy(run -> assertThat(run.coverage()).startsWith("unobservable"));
        assertThat(f.failingRuns()).allSatisfy(run -> assertThat(run.coverage()).isNotNull());

        Evaluator.Result r2 = EVALUATOR.run(List.of(seen), 20, 1, 2, n -> { });
        EvaluationReport.CoverageStats c2 = ReportBuilder.build(r2, null, ScenarioRunner.withDefaults().policy(),
                new EvaluationReport.Targets(0.02, 0.01), false).families().get(0).hazard().coverage();
        assertThat(c2.unobservableRuns()).isZero();
        assertThat(c2.observableRuns()).isEqualTo(20);
        assertThat(c2.unobservableUpper95()).isEqualTo(0.139109); // 0 of 20: 1 - 0.05^(1/20) = 0.1391084, rounded up
        assertThat(c2.observableLateOrMissedUpper95()).isNotNull();

        Path gateFile = tmp.resolve("gate.json");
        Files.writeString(gateFile, "{\"gate\": \"g\", \"rules\": ["
                + "{\"name\": \"observable\", \"families\": [\"cyclist-crossing\"], \"metric\": \"lateOrMissedObservableUpper95\", \"max\": 0.5},"
                + "{\"name\": \"coverage\", \"families\": [\"cyclist-crossing\"], \"metric\": \"unobservableUpper95\", \"max\": 0.5}]}");
        Map<String, String> known = Map.of("cyclist-crossing", "hazards");
        ReleaseGate gate = ReleaseGate.read(gateFile, known);
        ReleaseGate.Verdict v = gate.check(report, known);
        assertThat(v.pass()).isFalse();
        assertThat(v.checks().get(0).why()).contains("no observable run");
        assertThat(v.checks().get(1).value()).isEqualTo(1.0);
        assertThat(v.checks().get(1).pass()).isFalse();
    }

    @Test
    void theConsoleAndTheRerunSayWhichRunsAreUnobservable() throws Exception {
        Path family = tmp.resolve("cyclist-crossing.json");
        Files.writeString(family, Files.readString(ProjectFiles.families().resolve("hazards/cyclist-crossing.json")));
        StringWriter out = new StringWriter();
        CommandLine cl = new CommandLine(new EvaluateCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(new StringWriter()));
        Path report = tmp.resolve("report");
        cl.execute("--family", family.toString(), "--runs", "60", "--threads", "2", "--out", report.toString());
        assertThat(out.toString()).containsPattern("coverage cyclist-crossing: \\d+ of 60 runs unobservable \\(");
        // every unobservable failing run the report lists can be re-run from its written scenario
        String json = Files.readString(report.resolve("report.json"));
        assertThat(json).contains("\"unobservableFailingRuns\" : [").doesNotContain("\"unobservableFailingRuns\" : [ ]");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"input\" : \"(runs/[^\"]+)\",\\s+\"coverage\" : \"unobservable")
                .matcher(json);
        int inputs = 0;
        while (m.find()) {
            assertThat(report.resolve(m.group(1))).isRegularFile();
            inputs++;
        }
        assertThat(inputs).isPositive();

        StringWriter one = new StringWriter();
        CommandLine rerun = new CommandLine(new EvaluateCommand());
        rerun.setOut(new PrintWriter(one));
        rerun.setErr(new PrintWriter(new StringWriter()));
        rerun.execute("--family", family.toString(), "--rerun", "cyclist-crossing/c0/s5");
        assertThat(one.toString()).containsPattern("coverage: (observable|unobservable: sensor-coverage gap); 'cyclist' in the");
    }

    @Test
    void aCameraWithAnImpossibleValueIsOneLineNamingTheField() throws Exception {
        String json = Files.readString(ProjectFiles.families().resolve("hazards/cyclist-crossing.json"));
        assertRefused(json.replace("\"cx\": 640.0", "\"cx\": 1640.0"), "camera.cx", "must be within the image, 0..1280 px, got 1640.0");
        assertRefused(json.replace("\"fx\": 1000.0", "\"fx\": -1000.0"), "camera.fx", "-1000");
        assertRefused(json.replace("\"width\": 1280", "\"width\": 0"), "camera.width", "");
        assertRefused(json.replace("\"fx\": 1000.0", "\"fx\": {\"uniform\": [-100, 1000]}"), "camera.fx", "low end");
    }

    private static void assertRefused(String json, String field, String says) {
        try {
            FamilyParser.parse(json, "cyclist.json", "0".repeat(64), "hazards");
        } catch (ScenarioSpecException e) {
            assertThat(e.field()).isEqualTo(field);
            assertThat(e.getMessage()).doesNotContain("\n").startsWith("cyclist.json: field '" + field + "'").contains(says);
            return;
        }
        throw new AssertionError("accepted a camera with a bad " + field);
    }
}
