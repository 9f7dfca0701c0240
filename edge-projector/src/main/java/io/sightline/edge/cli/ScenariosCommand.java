package io.sightline.edge.cli;

import io.sightline.edge.scenario.ScenarioRunner;
import io.sightline.edge.scenario.ScenarioSpec;
import io.sightline.edge.scenario.ScenarioSpecException;
import io.sightline.edge.scenario.ScenarioSuite;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code scenarios}: runs safety scenario specs through the real edge stack and checks them. */
@Command(name = "scenarios", mixinStandardHelpOptions = true,
        description = {
            "Simulate safety scenarios (spec and examples: scenarios/ in the project) and drive the real tracker,",
            "range/TTC estimator, risk policy and actuation with them. Prints a summary table; exits",
            "0 when every scenario passes on every seed, " + ScenariosCommand.SCENARIO_FAILED
                + " when one fails, 1 on an invalid spec or unreadable file."})
public final class ScenariosCommand implements Callable<Integer> {

    /** Exit code when a scenario fails on at least one seed. */
    static final int SCENARIO_FAILED = 3;

    @Spec
    CommandSpec spec;

    static final class Source {
        @Option(names = "--dir", paramLabel = "DIR", description = "Run every *.json scenario in DIR (the examples: --dir scenarios).")
        Path dir;

        @Option(names = "--file", paramLabel = "F", description = "Run one scenario file.")
        Path file;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = "--seeds", paramLabel = "N", defaultValue = "1",
            description = "Run each scenario with seeds seed .. seed+N-1 (default: ${DEFAULT-VALUE}).")
    int seeds;

    @Option(names = "--out", paramLabel = "report.json", description = "Write the per-seed results as JSON.")
    Path out;

    @Override
    public Integer call() {
        if (seeds < 1) {
            throw new ParameterException(spec.commandLine(), "--seeds must be >= 1, got " + seeds);
        }
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter stdout = spec.commandLine().getOut();
        List<ScenarioSpec> specs;
        try {
            List<Path> files = source.dir != null ? ScenarioSuite.filesIn(source.dir) : List.of(source.file);
            if (files.isEmpty()) {
                err.println("scenarios: no *.json scenario in " + source.dir);
                err.flush();
                return CliErrors.INPUT_ERROR;
            }
            specs = ScenarioSuite.load(files);
        } catch (IOException | ScenarioSpecException e) {
            return CliErrors.report(err, "scenarios", e);
        }
        ScenarioSuite.Report report = ScenarioSuite.run(ScenarioRunner.withDefaults(), specs, seeds);
        ScenarioSuite.printTable(report, stdout);
        if (out != null) {
            try {
                ScenarioSuite.writeJson(report, out);
            } catch (IOException e) {
                return CliErrors.report(err, "scenarios", e);
            }
        }
        return report.allPassed() ? 0 : SCENARIO_FAILED;
    }
}
