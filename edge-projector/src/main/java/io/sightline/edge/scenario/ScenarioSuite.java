package io.sightline.edge.scenario;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/** Loads scenario files, runs them with N seeds, and reports: the JSON report and the summary table. */
public final class ScenarioSuite {

    /** One scenario over all its seeds. */
    public record Summary(String id, int passed, int seeds, Double firstAlertTtcMinS, Double firstAlertTtcMaxS,
                          String expectation) {
        public boolean allPassed() {
            return passed == seeds;
        }
    }

    /** The whole run, as written to {@code --out}. */
    public record Report(List<Summary> summary, List<ScenarioResult> results) {
        public boolean allPassed() {
            return summary.stream().allMatch(Summary::allPassed);
        }
    }

    private ScenarioSuite() {
    }

    /** The {@code *.json} files of a directory, by name. */
    public static List<Path> filesIn(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
        }
    }

    /** Parses every file first, so that one invalid spec stops the run before anything is simulated. */
    public static List<ScenarioSpec> load(List<Path> files) throws IOException, ScenarioSpecException {
        List<ScenarioSpec> specs = new ArrayList<>();
        for (Path f : files) {
            specs.add(ScenarioSpecParser.parse(f));
        }
        return specs;
    }

    public static Report run(ScenarioRunner runner, List<ScenarioSpec> specs, int seeds) {
        List<Summary> summary = new ArrayList<>();
        List<ScenarioResult> all = new ArrayList<>();
        for (ScenarioSpec spec : specs) {
            List<ScenarioResult> rs = runner.run(spec, seeds);
            all.addAll(rs);
            int passed = 0;
            Double min = null;
            Double max = null;
            String kind = expectedKind(spec.expect());
            for (ScenarioResult r : rs) {
                if (r.passed()) {
                    passed++;
                }
                for (ScenarioResult.Alert a : r.alerts()) {
                    if (a.kind().equals(kind) && a.ttcTrueS() != null) {
                        min = min == null ? a.ttcTrueS() : Math.min(min, a.ttcTrueS());
                        max = max == null ? a.ttcTrueS() : Math.max(max, a.ttcTrueS());
                        break;
                    }
                }
            }
            summary.add(new Summary(spec.id(), passed, seeds, min, max, describe(spec.expect())));
        }
        return new Report(summary, all);
    }

    private static String expectedKind(ScenarioSpec.Expectation e) {
        if (e instanceof ScenarioSpec.AlertAtTtc a) {
            return a.kind().name();
        }
        if (e instanceof ScenarioSpec.AlertWithin w) {
            return w.kind().name();
        }
        return "";
    }

    static String describe(ScenarioSpec.Expectation e) {
        if (e instanceof ScenarioSpec.AlertAtTtc a) {
            return a.kind() + " at true TTC " + a.minTtcS() + "-" + a.maxTtcS() + " s";
        }
        if (e instanceof ScenarioSpec.AlertWithin w) {
            return w.kind() + " within " + w.fromS() + "-" + w.toS() + " s";
        }
        return "no alert";
    }

    public static void printTable(Report report, PrintWriter out) {
        out.printf(Locale.ROOT, "%-32s %-8s %-22s %s%n", "scenario", "passed", "first-alert true TTC", "expectation");
        for (Summary s : report.summary()) {
            String ttc = s.firstAlertTtcMinS() == null ? "-"
                    : String.format(Locale.ROOT, "%.2f-%.2f s", s.firstAlertTtcMinS(), s.firstAlertTtcMaxS());
            out.printf(Locale.ROOT, "%-32s %-8s %-22s %s%s%n", s.id(), s.passed() + "/" + s.seeds(), ttc,
                    s.expectation(), s.allPassed() ? "" : "   FAIL");
        }
        long failed = report.summary().stream().filter(s -> !s.allPassed()).count();
        out.printf(Locale.ROOT, "%d of %d scenarios passed on every seed%n", report.summary().size() - failed,
                report.summary().size());
        for (ScenarioResult r : report.results()) {
            if (!r.passed()) {
                out.printf(Locale.ROOT, "  FAIL %s seed %d: %s%n", r.id(), r.seed(), r.reason());
            }
        }
        out.flush();
    }

    public static void writeJson(Report report, Path file) throws IOException {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("allPassed", report.allPassed());
        doc.put("summary", report.summary());
        doc.put("results", report.results());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), doc);
    }
}
