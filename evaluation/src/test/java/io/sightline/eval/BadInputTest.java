package io.sightline.eval;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.edge.scenario.ScenarioSpecException;
import io.sightline.eval.cli.EvaluateCommand;
import io.sightline.eval.family.FamilyParser;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Impossible distributions and unknown suites: one line naming the file and the field, and nothing runs. */
class BadInputTest {

    @TempDir
    Path tmp;

    private static ScenarioSpecException rejected(String parameters, String lateral) throws Exception {
        try {
            FamilySamplingTest.parse(FamilySamplingTest.family(parameters, lateral));
        } catch (ScenarioSpecException e) {
            assertThat(e.getMessage()).doesNotContain("\n").startsWith("test.json: field '");
            return e;
        }
        throw new AssertionError("accepted: " + parameters + " / " + lateral);
    }

    @Test
    void negativeWidths() throws Exception {
        ScenarioSpecException sd = rejected("{\"x\": {\"normal\": {\"mean\": 0, \"sd\": -0.2}}}", "0.0");
        assertThat(sd.field()).isEqualTo("parameters.x.normal.sd");
        assertThat(sd.getMessage()).contains("positive width").contains("-0.2");
        ScenarioSpecException sigma = rejected("{}", "{\"logNormal\": {\"median\": 1, \"sigma\": -1}}");
        assertThat(sigma.field()).isEqualTo("actors[0].lateralM.logNormal.sigma");
        assertThat(rejected("{\"g\": {\"grid\": {\"from\": 0, \"to\": 1, \"step\": -0.5}}}", "0.0").field())
                .isEqualTo("parameters.g.grid.step");
    }

    @Test
    void minAboveMax() throws Exception {
        ScenarioSpecException u = rejected("{}", "{\"uniform\": [0.5, -0.5]}");
        assertThat(u.field()).isEqualTo("actors[0].lateralM.uniform");
        assertThat(u.getMessage()).contains("min 0.5 must be below max -0.5");
        assertThat(rejected("{\"x\": {\"normal\": {\"mean\": 0, \"sd\": 1, \"min\": 2, \"max\": 1}}}", "0.0").field())
                .isEqualTo("parameters.x.normal.max");
        assertThat(rejected("{\"g\": {\"grid\": {\"from\": 5, \"to\": 1, \"step\": 1}}}", "0.0").field())
                .isEqualTo("parameters.g.grid.to");
    }

    @Test
    void weightsThatDoNotSumToOne() throws Exception {
        ScenarioSpecException w = rejected("{\"side\": {\"choice\": {\"values\": [-1, 1], \"weights\": [0.5, 0.4]}}}", "0.0");
        assertThat(w.field()).isEqualTo("parameters.side.choice.weights");
        assertThat(w.getMessage()).contains("sum to 0.9").contains("not 1");
        assertThat(rejected("{\"side\": {\"choice\": {\"values\": [-1, 1], \"weights\": [1.5, -0.5]}}}", "0.0").field())
                .isEqualTo("parameters.side.choice.weights[1]");
        assertThat(rejected("{\"side\": {\"choice\": {\"values\": [-1, 1, 2], \"weights\": [0.5, 0.5]}}}", "0.0").field())
                .isEqualTo("parameters.side.choice.weights");
    }

    @Test
    void aDistributionThatCanLeaveTheFieldsRangeIsRefusedNamingTheParameter() throws Exception {
        String stopped = FamilySamplingTest.family("{}", "0.0");
        // a lead speed that can go negative (speeds are >= 0)
        String json = stopped.replace("\"speedMps\": 0.0", "\"speedMps\": {\"normal\": {\"mean\": 2, \"sd\": 1}}");
        ScenarioSpecException e = assertRejected(json);
        assertThat(e.field()).isEqualTo("actors[0].speedMps");
        assertThat(e.getMessage()).contains("when parameter 'actors[0].speedMps'").contains("low end");
        // an unknown name in an expression
        ScenarioSpecException x = assertRejected(FamilySamplingTest.family("{}", "{\"expr\": \"offset * 2\"}"));
        assertThat(x.field()).isEqualTo("actors[0].lateralM.expr");
        assertThat(x.getMessage()).contains("unknown parameter 'offset'");
        // the requirement is fixed
        assertThat(assertRejected(stopped.replace("\"minTtcS\": 2.1", "\"minTtcS\": {\"uniform\": [2, 3]}")).field())
                .isEqualTo("expect.minTtcS");
    }

    private static ScenarioSpecException assertRejected(String json) {
        try {
            FamilyParser.parse(json, "test.json", "0".repeat(64), null);
        } catch (ScenarioSpecException e) {
            return e;
        }
        throw new AssertionError("accepted");
    }

    private record Run(int exit, String out, String err) {
    }

    private Run cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new EvaluateCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void unknownSuiteIsOneLineAndNothingRuns() {
        Path out = tmp.resolve("report");
        Run r = cli("--suite", "nhtsa", "--runs", "3", "--out", out.toString(), "--families-dir",
                ProjectFiles.families().toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err().strip()).isEqualTo("evaluate: --suite: unknown suite 'nhtsa' (known: nhtsa-fcw, euro-ncap-ccr, hazards, benign, rolling-stop, all)");
        assertThat(r.out()).isEmpty();
        assertThat(out).doesNotExist();
    }

    @Test
    void aCandidatePolicyDecidesTheRunsAndABrokenOneIsRefusedBeforeAnyRun() throws Exception {
        Path family = ProjectFiles.families().resolve("nhtsa-fcw/nhtsa-fcw-1-lead-stopped.json");
        Path broken = tmp.resolve("broken-policy.json");
        String shipped = io.sightline.edge.risk.RiskPolicy.defaults().toJson();
        String raise = "\"ttcRaiseS\" : " + io.sightline.edge.risk.RiskPolicy.defaults().forwardCollision().ttcRaiseS();
        assertThat(shipped).contains(raise);
        Files.writeString(broken, shipped.replaceFirst(java.util.regex.Pattern.quote(raise), "\"ttcRaiseS\" : -1.0"));
        Path out = tmp.resolve("report");
        Run refused = cli("--family", family.toString(), "--runs", "2", "--policy", broken.toString(), "--out", out.toString());
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err().strip()).startsWith("evaluate: --policy " + broken + ": ").contains("forwardCollision.ttcRaiseS must be positive");
        assertThat(out).doesNotExist();

        // a policy that warns at 0.5 s TTC misses every NHTSA test 1 run: the runs are decided by it
        Path late = tmp.resolve("late-policy.json");
        Files.writeString(late, RerunTest.latePolicyJson("late-0.5"));
        Run ran = cli("--family", family.toString(), "--runs", "5", "--policy", late.toString());
        assertThat(ran.exit()).isEqualTo(EvaluateCommand.RUNS_FAILED);
        assertThat(ran.out()).contains("policy late-0.5").contains("5 of 5 runs failed");
    }

    @Test
    void aBadFamilyAmongGoodOnesStopsTheWholeEvaluationBeforeAnyRun() throws Exception {
        Path bad = tmp.resolve("bad.json");
        Files.writeString(bad, FamilySamplingTest.family("{\"w\": {\"choice\": {\"values\": [1, 2], \"weights\": [0.7, 0.7]}}}", "0.0"));
        Path good = ProjectFiles.families().resolve("nhtsa-fcw/nhtsa-fcw-1-lead-stopped.json");
        Path out = tmp.resolve("report");
        Run r = cli("--family", good.toString(), bad.toString(), "--runs", "2", "--out", out.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err().strip()).isEqualTo("evaluate: " + bad + ": field 'parameters.w.choice.weights' sum to 1.4, not 1 (within 1.0E-6)");
        assertThat(r.out()).isEmpty();
        assertThat(out).doesNotExist();
    }
}
