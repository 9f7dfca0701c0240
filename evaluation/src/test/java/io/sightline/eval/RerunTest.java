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

/** A failing run's printed id re-runs that run alone, with the same outcome as in the evaluation. */
class RerunTest {

    @TempDir
    Path tmp;

    private record Run(int exit, String out, String err) {
    }

    private static Run cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new EvaluateCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return new Run(cl.execute(args), out.toString(), err.toString());
    }

    /** The shipped policy with the forward-collision warning at 0.5 s TTC: it misses every NHTSA test. */
    static String latePolicyJson(String version) {
        RiskPolicy d = RiskPolicy.defaults();
        RiskPolicy.ForwardCollision f = d.forwardCollision();
        return new RiskPolicy(version, d.egoHalfWidthM(), new RiskPolicy.ForwardCollision(0.5, 0.6, f.minEgoSpeedMps(),
                f.corridorMarginM(), f.minTrackAgeS(), f.maxTtcSigmaS(), f.hardBrakingDecelMps2()), d.followingDistance(),
                d.vulnerableRoadUser()).toJson();
    }

    @Test
    void theIdOfAFailingRunReproducesItAlone() throws Exception {
        String family = ProjectFiles.families().resolve("nhtsa-fcw/nhtsa-fcw-1-lead-stopped.json").toString();
        Path late = tmp.resolve("late.json");
        Files.writeString(late, latePolicyJson("late-0.5"));
        Run all = cli("--family", family, "--runs", "12", "--seed", "1", "--threads", "2", "--policy", late.toString());
        assertThat(all.exit()).as(all.out()).isEqualTo(EvaluateCommand.RUNS_FAILED);
        String line = all.out().lines().filter(l -> l.startsWith("  FAIL ")).findFirst().orElseThrow();
        String id = line.substring("  FAIL ".length(), line.indexOf(": "));
        String reason = line.substring(line.indexOf(": ") + 2);

        Run one = cli("--family", family, "--rerun", id, "--out", tmp.toString(), "--policy", late.toString());
        assertThat(one.exit()).isEqualTo(EvaluateCommand.RUNS_FAILED);
        assertThat(one.out()).contains("run " + id + " of ").contains("FAILED").contains(reason)
                .contains("svSpeed").contains("scenario written to");
        assertThat(tmp.resolve(id.replaceAll("[^A-Za-z0-9._-]", "_") + ".json")).isRegularFile();
    }

    @Test
    void aMalformedOrUnknownIdIsOneLine() {
        String family = ProjectFiles.families().resolve("benign/parked-lane-edge.json").toString();
        Run bad = cli("--family", family, "--rerun", "parked-lane-edge-s1");
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err().strip()).isEqualTo("evaluate: --rerun: 'parked-lane-edge-s1' is not a run id FAMILY/cCELL/sSEED");
        Run cell = cli("--family", family, "--rerun", "parked-lane-edge/c3/s1");
        assertThat(cell.err().strip()).isEqualTo("evaluate: --rerun: family parked-lane-edge has cells 0..0, not 3");
        Run unknown = cli("--family", family, "--rerun", "nope/c0/s1");
        assertThat(unknown.err().strip()).isEqualTo("evaluate: --rerun: no family 'nope' in the families given");
    }
}
