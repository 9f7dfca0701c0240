package io.sightline.eval;

import static org.assertj.core.api.Assertions.assertThat;

import io.sightline.edge.risk.RiskPolicy;
import io.sightline.eval.cli.EvaluateCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The release gate (issue 15 §6): bounds the report must meet, named when they fail; a gate that cannot work refused before any run. */
class ReleaseGateTest {

    @TempDir
    Path tmp;

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

    private Path gate(String rules) throws Exception {
        Path f = tmp.resolve("gate-" + Math.abs(rules.hashCode()) + ".json");
        Files.writeString(f, "{\"gate\": \"test-gate\", \"rules\": [" + rules + "]}");
        return f;
    }

    private Run evaluate(Path gate, String suite, int runs) {
        return cli("--suite", suite, "--runs", Integer.toString(runs), "--threads", "2", "--gate", gate.toString(), "--families-dir",
                ProjectFiles.families().toString(), "--out", tmp.resolve("out-" + gate.getFileName()).toString());
    }

    @Test
    void aBoundThatFewRunsCannotReachFailsNamedAndOneTheyCanPasses() throws Exception {
        // 3 clean runs bound the late-or-missed rate only below 1 - 0.05^(1/3) = 0.63: short of 2 %, within 70 %.
        Path strictGate = gate("{\"name\": \"fcw on time\", \"families\": [\"suite:nhtsa-fcw\"], \"metric\": \"lateOrMissedUpper95\","
                + " \"max\": 0.02}");
        Run strict = evaluate(strictGate, "nhtsa-fcw", 3);
        assertThat(strict.exit()).as(strict.err()).isEqualTo(EvaluateCommand.GATE_FAILED);
        assertThat(strict.out()).contains("gate test-gate: FAILED (0 of 3 bounds met)")
                .containsPattern("FAILED fcw on time +nhtsa-fcw-1-lead-stopped +lateOrMissedUpper95 0\\.6316 > 0\\.0200");
        assertThat(Files.readString(tmp.resolve("out-" + strictGate.getFileName()).resolve("gate.json")))
                .contains("\"pass\" : false").contains("nhtsa-fcw-3-lead-braking");

        Run loose = evaluate(gate("{\"name\": \"fcw on time\", \"families\": [\"suite:nhtsa-fcw\"], \"metric\": \"lateOrMissedUpper95\","
                + " \"max\": 0.7}"), "nhtsa-fcw", 3);
        assertThat(loose.exit()).as(loose.out()).isZero();
        assertThat(loose.out()).contains("gate test-gate: PASSED (3 of 3 bounds met)");
    }

    @Test
    void aFamilyTheGateNamesButTheEvaluationLeftOutFailsTheGate() throws Exception {
        Run r = evaluate(gate("{\"name\": \"benign\", \"families\": [\"suite:benign\"], \"metric\": \"falseAlertUpper95\", \"max\": 0.9}"),
                "nhtsa-fcw", 2);
        assertThat(r.exit()).isEqualTo(EvaluateCommand.GATE_FAILED);
        assertThat(r.out()).contains("not evaluated: the gate requires it");
    }

    @Test
    void aGateNamingAnUnknownFamilyIsOneLineAndNothingRuns() throws Exception {
        Path g = gate("{\"name\": \"x\", \"families\": [\"suite:nhtsa-fcw\", \"no-such-family\"], \"metric\": \"failureUpper95\", \"max\": 0.1}");
        Run r = evaluate(g, "nhtsa-fcw", 2);
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err().strip()).isEqualTo("evaluate: " + g + ": rules[0].families[1]: unknown family 'no-such-family'");
        assertThat(r.out()).isEmpty();
        assertThat(tmp.resolve("out-" + g.getFileName())).doesNotExist();
    }

    @Test
    void unknownMetricsSuitesAndRatesAboveOneAreRefusedByField() throws Exception {
        Path metric = gate("{\"name\": \"x\", \"families\": [\"suite:benign\"], \"metric\": \"missRate\", \"max\": 0.1}");
        assertThat(evaluate(metric, "benign", 1).err()).contains("rules[0].metric: unknown metric 'missRate'");
        Path suite = gate("{\"name\": \"x\", \"families\": [\"suite:nhtsa\"], \"metric\": \"failureUpper95\", \"max\": 0.1}");
        assertThat(evaluate(suite, "benign", 1).err()).contains("rules[0].families[0]: unknown suite 'nhtsa'");
        Path rate = gate("{\"name\": \"x\", \"families\": [\"suite:benign\"], \"metric\": \"falseAlertUpper95\", \"max\": 2}");
        assertThat(evaluate(rate, "benign", 1).err()).contains("rules[0].max: falseAlertUpper95 is a rate; 2.0 is not in [0, 1]");
    }

    /** The CCRs grid (75 cells, one run each) under the shipped policy with its FCW raise threshold moved to {@code raiseS}. */
    private Run ccrsWithFcwRaise(double raiseS, Path gate) throws Exception {
        RiskPolicy d = RiskPolicy.defaults();
        RiskPolicy.ForwardCollision f = d.forwardCollision();
        RiskPolicy p = new RiskPolicy("test-raise-" + raiseS, d.egoHalfWidthM(),
                new RiskPolicy.ForwardCollision(raiseS, Math.max(raiseS, f.ttcClearS()), f.minEgoSpeedMps(), f.corridorMarginM(),
                        f.minTrackAgeS(), f.maxTtcSigmaS(), f.hardBrakingDecelMps2()),
                d.followingDistance(), d.vulnerableRoadUser());
        Path policy = tmp.resolve("policy-" + raiseS + ".json");
        Files.writeString(policy, p.toJson());
        return cli("--family", ProjectFiles.families().resolve("euro-ncap-ccr/euro-ncap-ccrs.json").toString(), "--runs", "1",
                "--threads", "2", "--policy", policy.toString(), "--gate", gate.toString(), "--families-dir",
                ProjectFiles.families().toString());
    }

    @Test
    void earlyWarningsFailACellButNotTheLateCellRuleWhichLateWarningsFail() throws Exception {
        Path late = gate("{\"name\": \"cells on time\", \"families\": [\"euro-ncap-ccrs\"], \"metric\": \"gridCellsLateOrMissed\", \"max\": 0}");
        Path any = gate("{\"name\": \"cells all pass\", \"families\": [\"euro-ncap-ccrs\"], \"metric\": \"gridCellsFailed\", \"max\": 0}");
        Path nuisance = gate("{\"name\": \"nuisance\", \"families\": [\"euro-ncap-ccrs\"], \"metric\": \"nuisanceUpper95\", \"max\": 0.02}");

        // Raised at 6 s every run warns before the 4 s bound: each cell fails, none is late, the nuisance bound catches it.
        Run early = ccrsWithFcwRaise(6.0, late);
        assertThat(early.exit()).as(early.out() + early.err()).isZero();
        assertThat(early.out()).contains("cells euro-ncap-ccrs: 75 of 75 fail: 0 with a late or missed run, 75 only by early (nuisance) warnings")
                .containsPattern("PASSED \\(1 of 1 bounds met\\)");
        assertThat(ccrsWithFcwRaise(6.0, any).out()).containsPattern("FAILED cells all pass +euro-ncap-ccrs +gridCellsFailed 75 > 0");
        assertThat(ccrsWithFcwRaise(6.0, nuisance).out()).containsPattern("FAILED nuisance +euro-ncap-ccrs +nuisanceUpper95 1 > 0\\.0200");

        // Raised at 1 s every run warns after the 2.1 s protocol minimum: every cell is late.
        Run tooLate = ccrsWithFcwRaise(1.0, late);
        assertThat(tooLate.exit()).isEqualTo(EvaluateCommand.GATE_FAILED);
        assertThat(tooLate.out()).contains("cells euro-ncap-ccrs: 75 of 75 fail: 75 with a late or missed run, 0 only by early")
                .containsPattern("FAILED cells on time +euro-ncap-ccrs +gridCellsLateOrMissed 75 > 0");
    }

    @Test
    void theShippedGateNamesOnlyShippedFamilies() {
        // Parsing it checks every suite it names; a rule that named a missing family would be refused here.
        Run r = cli("--suite", "nhtsa-fcw", "--runs", "1", "--threads", "1", "--gate", ProjectFiles.families().resolve("gates.json").toString(),
                "--families-dir", ProjectFiles.families().toString());
        assertThat(r.err()).doesNotContain("unknown");
        assertThat(r.out()).contains("gate release-default-2: FAILED");
        assertThat(r.exit()).isEqualTo(EvaluateCommand.GATE_FAILED);
    }
}
