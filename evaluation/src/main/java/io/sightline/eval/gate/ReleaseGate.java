package io.sightline.eval.gate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sightline.eval.report.EvaluationReport;
import io.sightline.eval.report.EvaluationReport.FamilyReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The bounds a release must meet, read from a gate file ({@code scenarios/gates.json}; format in
 * {@code docs/evaluation.md}): named rules, each a metric of the evaluation report that must not
 * exceed its maximum on a set of families. A family is named by its id or by {@code suite:NAME}.
 * A rule naming a family or suite that does not exist is refused before anything runs; one naming a
 * family the evaluation did not include is reported as not evaluated, and the gate then fails, so
 * that a narrower evaluation never passes a gate meant for a wider one.
 */
public final class ReleaseGate {

    /** The report figures a rule may bound, each "at most max". */
    public enum Metric {
        /** Hazard families: one-sided 95 % upper bound on runs warned late (after the protocol minimum) or never. */
        LATE_OR_MISSED_UPPER95("lateOrMissedUpper95"),
        /** Hazard families: one-sided 95 % upper bound on runs never warned. */
        MISS_RATE_UPPER95("missRateUpper95"),
        /** Benign families: one-sided 95 % upper bound on runs with any alert. */
        FALSE_ALERT_UPPER95("falseAlertUpper95"),
        /** Any family: one-sided 95 % upper bound on runs that failed their expectation. */
        FAILURE_UPPER95("failureUpper95"),
        /** Grid families: cells with any failing run, early (nuisance) warnings included. */
        GRID_CELLS_FAILED("gridCellsFailed"),
        /**
         * Hazard grid families: cells with a run warned after the protocol minimum TTC or never, the
         * issue's "no warning after the protocol minimum in any grid cell" (ADR-0034). Early warnings
         * are bounded by their own nuisance figures, not by this one.
         */
        GRID_CELLS_LATE_OR_MISSED("gridCellsLateOrMissed"),
        /** Hazard families: one-sided 95 % upper bound on runs first warned earlier than the window's upper bound. */
        NUISANCE_UPPER95("nuisanceUpper95"),
        /**
         * Hazard families with a TTC window: {@code lateOrMissedUpper95} over the runs the camera could
         * see long enough to warn (ADR-0038); unobservable runs are bounded by {@link #UNOBSERVABLE_UPPER95}.
         */
        LATE_OR_MISSED_OBSERVABLE_UPPER95("lateOrMissedObservableUpper95"),
        /** As {@link #MISS_RATE_UPPER95}, over observable runs only (ADR-0038). */
        MISS_RATE_OBSERVABLE_UPPER95("missRateObservableUpper95"),
        /** Hazard families with a TTC window: one-sided 95 % upper bound on the share of unobservable runs (ADR-0038). */
        UNOBSERVABLE_UPPER95("unobservableUpper95");

        final String key;

        Metric(String key) {
            this.key = key;
        }

        static Metric of(String key) {
            for (Metric m : values()) {
                if (m.key.equals(key)) {
                    return m;
                }
            }
            return null;
        }

        static String known() {
            List<String> k = new ArrayList<>();
            for (Metric m : values()) {
                k.add(m.key);
            }
            return String.join(", ", k);
        }
    }

    /** A gate file that cannot be used; the message names the file and the field. */
    public static final class GateException extends Exception {
        GateException(String message) {
            super(message);
        }
    }

    public record Rule(String name, List<String> families, Metric metric, double max) {
    }

    /**
     * One rule on one family.
     *
     * @param value the report's figure, or null when the family was not evaluated or has no such figure
     */
    public record Check(String rule, String family, String metric, Double value, double max, boolean pass, String why) {
    }

    public record Verdict(String gate, boolean pass, List<Check> checks) {
        public List<Check> failures() {
            return checks.stream().filter(c -> !c.pass()).toList();
        }
    }

    private final String name;
    private final List<Rule> rules;

    private ReleaseGate(String name, List<Rule> rules) {
        this.name = name;
        this.rules = rules;
    }

    public String name() {
        return name;
    }

    public List<Rule> rules() {
        return rules;
    }

    /**
     * Reads a gate file and checks every family and suite it names against {@code knownFamilies}
     * (id → suite), the families that exist, whether evaluated or not.
     */
    public static ReleaseGate read(Path file, Map<String, String> knownFamilies) throws GateException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new GateException(file + ": no such file");
        } catch (IOException e) {
            throw new GateException(file + ": not valid JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
        if (root == null || !root.isObject()) {
            throw new GateException(file + ": a gate file is a JSON object with \"gate\" and \"rules\"");
        }
        String gate = text(root, "gate", file + ": gate");
        JsonNode rulesNode = root.get("rules");
        if (rulesNode == null || !rulesNode.isArray() || rulesNode.isEmpty()) {
            throw new GateException(file + ": rules must be a non-empty array");
        }
        Set<String> suites = new LinkedHashSet<>(knownFamilies.values());
        List<Rule> rules = new ArrayList<>();
        for (int i = 0; i < rulesNode.size(); i++) {
            String at = file + ": rules[" + i + "]";
            JsonNode r = rulesNode.get(i);
            if (r == null || !r.isObject()) {
                throw new GateException(at + " must be an object");
            }
            String ruleName = text(r, "name", at + ".name");
            String metricKey = text(r, "metric", at + ".metric");
            Metric metric = Metric.of(metricKey);
            if (metric == null) {
                throw new GateException(at + ".metric: unknown metric '" + metricKey + "' (known: " + Metric.known() + ")");
            }
            JsonNode max = r.get("max");
            if (max == null || !max.isNumber() || !(max.asDouble() >= 0)) {
                throw new GateException(at + ".max must be a number >= 0");
            }
            if (metric != Metric.GRID_CELLS_FAILED && metric != Metric.GRID_CELLS_LATE_OR_MISSED && max.asDouble() > 1) {
                throw new GateException(at + ".max: " + metricKey + " is a rate; " + max.asDouble() + " is not in [0, 1]");
            }
            JsonNode fams = r.get("families");
            if (fams == null || !fams.isArray() || fams.isEmpty()) {
                throw new GateException(at + ".families must be a non-empty array of family ids or suite:NAME");
            }
            List<String> names = new ArrayList<>();
            for (int j = 0; j < fams.size(); j++) {
                String f = fams.get(j).asText("");
                if (f.startsWith("suite:")) {
                    if (!suites.contains(f.substring("suite:".length()))) {
                        throw new GateException(at + ".families[" + j + "]: unknown suite '" + f.substring(6) + "' (known: "
                                + String.join(", ", suites) + ")");
                    }
                } else if (!knownFamilies.containsKey(f)) {
                    throw new GateException(at + ".families[" + j + "]: unknown family '" + f + "'");
                }
                names.add(f);
            }
            rules.add(new Rule(ruleName, List.copyOf(names), metric, max.asDouble()));
        }
        return new ReleaseGate(gate, List.copyOf(rules));
    }

    /** Every rule on every family it names, against the report; families by their report ids. */
    public Verdict check(EvaluationReport report, Map<String, String> knownFamilies) {
        List<Check> checks = new ArrayList<>();
        for (Rule rule : rules) {
            for (String family : expand(rule.families(), knownFamilies.keySet(), knownFamilies)) {
                FamilyReport f = report.families().stream().filter(x -> x.id().equals(family)).findFirst().orElse(null);
                if (f == null) {
                    checks.add(new Check(rule.name(), family, rule.metric().key, null, rule.max(), false,
                            "not evaluated: the gate requires it (evaluate --suite all)"));
                    continue;
                }
                Double value = value(f, rule.metric());
                if (value == null && f.hazard() != null && f.hazard().coverage() != null
                        && f.hazard().coverage().observableRuns() == 0) {
                    checks.add(new Check(rule.name(), family, rule.metric().key, null, rule.max(), false,
                            rule.metric().key + ": no observable run, so nothing bounds the system under test"));
                    continue;
                }
                if (value == null) {
                    checks.add(new Check(rule.name(), family, rule.metric().key, null, rule.max(), false,
                            rule.metric().key + " does not apply to a " + f.kind() + " family" + (f.grid() == null ? " without a grid" : "")));
                    continue;
                }
                boolean pass = value <= rule.max();
                checks.add(new Check(rule.name(), family, rule.metric().key, value, rule.max(), pass,
                        String.format(Locale.ROOT, "%s %s %s %s", rule.metric().key, fmt(value), pass ? "<=" : ">", fmt(rule.max()))));
            }
        }
        return new Verdict(name, checks.stream().allMatch(Check::pass), List.copyOf(checks));
    }

    private static List<String> expand(List<String> names, Collection<String> ids, Map<String, String> suiteOf) {
        Set<String> out = new LinkedHashSet<>();
        for (String n : names) {
            if (n.startsWith("suite:")) {
                String suite = n.substring("suite:".length());
                for (String id : ids) {
                    if (suite.equals(suiteOf.get(id))) {
                        out.add(id);
                    }
                }
            } else {
                out.add(n);
            }
        }
        return List.copyOf(out);
    }

    static Double value(FamilyReport f, Metric m) {
        return switch (m) {
            case LATE_OR_MISSED_UPPER95 -> f.hazard() == null ? null : f.hazard().lateOrMissedUpper95();
            case MISS_RATE_UPPER95 -> f.hazard() == null ? null : f.hazard().missRateUpper95();
            case FALSE_ALERT_UPPER95 -> f.benign() == null ? null : f.benign().falseAlertUpper95();
            case FAILURE_UPPER95 -> f.failureUpper95();
            case GRID_CELLS_FAILED -> f.grid() == null ? null : (double) (f.grid().cells().size() - f.grid().cellsPassed());
            case GRID_CELLS_LATE_OR_MISSED -> f.grid() == null || f.grid().cellsLateOrMissed() == null ? null
                    : (double) f.grid().cellsLateOrMissed();
            case NUISANCE_UPPER95 -> f.hazard() == null || f.hazard().protocolMinTtcS() == null ? null : f.hazard().nuisanceUpper95();
            case LATE_OR_MISSED_OBSERVABLE_UPPER95 -> coverage(f) == null ? null : coverage(f).observableLateOrMissedUpper95();
            case MISS_RATE_OBSERVABLE_UPPER95 -> coverage(f) == null ? null : coverage(f).observableMissRateUpper95();
            case UNOBSERVABLE_UPPER95 -> coverage(f) == null ? null : coverage(f).unobservableUpper95();
        };
    }

    private static EvaluationReport.CoverageStats coverage(FamilyReport f) {
        return f.hazard() == null ? null : f.hazard().coverage();
    }

    private static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) >= 1 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.4f", v);
    }

    private static String text(JsonNode node, String field, String at) throws GateException {
        JsonNode v = node.get(field);
        if (v == null || !v.isTextual() || v.asText().isBlank()) {
            throw new GateException(at + " must be a non-empty string");
        }
        return v.asText();
    }
}
