package io.sightline.cloud.rollout;

import io.sightline.domain.event.RolloutGateResult;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.stereotype.Component;

/**
 * Latency p99 against the stage budgets: for each stage with a budget, the 95th percentile (nearest
 * rank) of the canary's window p99s ({@code EdgeWindowSummarized}) must stay within it, so one bad
 * minute does not roll a model back but a p99 over budget in more than one window in twenty does.
 * The budgets default to the edge's {@code StageBudgets}; {@code StageDeadlineMissed} per canary hour
 * is reported beside them and bounded by {@code maxDeadlineMissesPerHour}.
 */
@Component
public class LatencyBudgetGate implements RolloutGate {

    /** The edge's StageBudgets (edge-runtime), in microseconds. */
    static final Map<String, Double> BUDGETS = Map.of("decode", 10_000.0, "detect", 80_000.0, "decide", 5_000.0, "journal", 25_000.0,
            "frame-to-decision", 100_000.0);
    static final String SUFFIX = ".maxP99Micros";

    @Override
    public String name() {
        return "latency-p99";
    }

    @Override
    public String version() {
        return "1";
    }

    @Override
    public Map<String, Double> defaults() {
        Map<String, Double> d = new TreeMap<>();
        BUDGETS.forEach((stage, budget) -> d.put(stage + SUFFIX, budget));
        d.put("windowQuantile", 0.95);
        d.put("maxDeadlineMissesPerHour", 600.0);
        d.put("minCanaryWindows", 3.0);
        return d;
    }

    @Override
    public String description() {
        return "per stage, the windowQuantile of the canary's window p99s against <stage>.maxP99Micros; StageDeadlineMissed per canary hour";
    }

    @Override
    public RolloutGateResult evaluate(GateContext c, Map<String, Double> t) {
        if (c.shadowStep()) {
            return Gates.notApplicable(this, t, "the shadow's latency is not the vehicle's: a shadow gate judges it");
        }
        Map<String, Double> v = new LinkedHashMap<>();
        List<String> causes = new ArrayList<>();
        List<String> over = new ArrayList<>();
        int windows = 0;
        for (Map.Entry<String, Double> budget : new TreeMap<>(t).entrySet()) {
            if (!budget.getKey().endsWith(SUFFIX)) {
                continue;
            }
            String stage = budget.getKey().substring(0, budget.getKey().length() - SUFFIX.length());
            List<GateContext.WindowP99> p99s = c.canary().stream().flatMap(s -> s.windowP99Micros().getOrDefault(stage, List.of()).stream())
                    .sorted(Comparator.comparingLong(GateContext.WindowP99::p99Micros)).toList();
            windows = Math.max(windows, p99s.size());
            if (p99s.isEmpty()) {
                continue;
            }
            int rank = (int) Math.ceil(Gates.threshold(t, "windowQuantile") * p99s.size());
            long q = p99s.get(Math.max(0, rank - 1)).p99Micros();
            v.put(stage + ".p99Micros", (double) q);
            if (q > budget.getValue()) {
                over.add(stage + " " + q + " µs > " + budget.getValue().longValue() + " µs");
                p99s.stream().filter(w -> w.p99Micros() > budget.getValue()).forEach(w -> causes.add(w.eventId()));
            }
        }
        double hours = Gates.hours(c.canary());
        List<String> misses = c.canary().stream().flatMap(s -> s.deadlineMisses().stream()).toList();
        double missRate = hours == 0 ? 0 : misses.size() / hours;
        v.put("deadlineMissesPerHour", missRate);
        v.put("canaryWindows", (double) windows);
        if (hours > 0 && missRate > Gates.threshold(t, "maxDeadlineMissesPerHour")) {
            over.add(String.format(java.util.Locale.ROOT, "%.1f deadline misses/h > %.1f", missRate, t.get("maxDeadlineMissesPerHour")));
            causes.addAll(misses);
        }
        if (!over.isEmpty()) {
            return Gates.result(this, RolloutGateResult.FAIL, v, t, "over budget: " + String.join("; ", over), causes);
        }
        if (windows < Gates.threshold(t, "minCanaryWindows")) {
            return Gates.result(this, RolloutGateResult.INSUFFICIENT_DATA, v, t, windows + " canary windows; the gate needs "
                    + t.get("minCanaryWindows").intValue(), List.of());
        }
        return Gates.result(this, RolloutGateResult.PASS, v, t, "every stage within its budget over " + windows + " canary windows", List.of());
    }
}
