package io.sightline.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.sightline.edge.scenario.ScenarioSpecException;
import io.sightline.eval.family.FamilyParser;
import io.sightline.eval.family.ScenarioFamily;
import java.nio.file.Files;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Parameters are drawn deterministically per seed, from the distribution named, and grids expand to their cells. */
class FamilySamplingTest {

    static String family(String parameters, String lateral) throws Exception {
        String stopped = Files.readString(ProjectFiles.scenario("nhtsa-fcw-lead-stopped.json"));
        String withParams = stopped.replaceFirst("\\{", "{\n  \"parameters\": " + parameters + ",");
        return withParams.replace("\"lateralM\": 0.0", "\"lateralM\": " + lateral);
    }

    static ScenarioFamily parse(String json) throws ScenarioSpecException {
        return FamilyParser.parse(json, "test.json", "0".repeat(64), null);
    }

    static final String ALL = "{\"u\": {\"uniform\": [-0.5, 0.5]},"
            + " \"n\": {\"normal\": {\"mean\": 0, \"sd\": 0.2, \"min\": -0.4, \"max\": 0.4}},"
            + " \"ln\": {\"logNormal\": {\"median\": 0.3, \"sigma\": 0.5}},"
            + " \"c\": {\"choice\": {\"values\": [-1, 0, 1], \"weights\": [0.25, 0.5, 0.25]}},"
            + " \"sum\": {\"expr\": \"u + n + 0.1 * c - min(ln, 0.5)\"}}";

    @Test
    void sameSeedSameParametersAndResultOtherSeedOtherParameters() throws Exception {
        ScenarioFamily f = parse(family(ALL, "{\"expr\": \"sum\"}"));
        assertThat(f.cells()).isEqualTo(1);
        double[] a = f.values(0, 7);
        assertThat(parse(family(ALL, "{\"expr\": \"sum\"}")).values(0, 7)).containsExactly(a);
        assertThat(f.values(0, 8)).isNotEqualTo(a);
        // the expression sees the drawn values, and the inline field takes the expression's value
        assertThat(a[4]).isCloseTo(a[0] + a[1] + 0.1 * a[3] - Math.min(a[2], 0.5), within(1e-12));
        ScenarioFamily.Instance in = f.instantiate(0, 7);
        assertThat(in.spec().actors().get(0).lateralM()).isEqualTo(a[5]);
        assertThat(in.spec().noise().seed()).isEqualTo(7L);
        assertThat(in.runId()).isEqualTo("nhtsa-fcw-lead-stopped/c0/s7");
        // the same run gives the same result
        Evaluator ev = new Evaluator(io.sightline.edge.scenario.ScenarioRunner.withDefaults());
        assertThat(ev.rerun(f, 0, 7).result()).isEqualTo(ev.rerun(f, 0, 7).result());
    }

    @Test
    void drawsFollowTheirDistributions() throws Exception {
        ScenarioFamily f = parse(family(ALL, "0.0"));
        int n = 20_000;
        double[][] v = new double[5][n];
        for (int s = 0; s < n; s++) {
            double[] x = f.values(0, s);
            for (int k = 0; k < 4; k++) {
                v[k][s] = x[k];
            }
        }
        // uniform(-0.5, 0.5): inside, mean 0, variance 1/12
        assertThat(Arrays.stream(v[0]).min().orElseThrow()).isGreaterThanOrEqualTo(-0.5);
        assertThat(Arrays.stream(v[0]).max().orElseThrow()).isLessThanOrEqualTo(0.5);
        assertThat(mean(v[0])).isCloseTo(0, within(0.01));
        assertThat(var(v[0])).isCloseTo(1.0 / 12, within(0.003));
        // truncated normal stays inside its cut
        assertThat(Arrays.stream(v[1]).allMatch(x -> x >= -0.4 && x <= 0.4)).isTrue();
        assertThat(mean(v[1])).isCloseTo(0, within(0.01));
        // log-normal: median 0.3
        double[] sorted = v[2].clone();
        Arrays.sort(sorted);
        assertThat(sorted[n / 2]).isCloseTo(0.3, within(0.01));
        assertThat(sorted[0]).isPositive();
        // choice: frequencies 1/4, 1/2, 1/4
        long minus = Arrays.stream(v[3]).filter(x -> x == -1).count();
        long zero = Arrays.stream(v[3]).filter(x -> x == 0).count();
        assertThat(minus / (double) n).isCloseTo(0.25, within(0.015));
        assertThat(zero / (double) n).isCloseTo(0.5, within(0.015));
        assertThat(Arrays.stream(v[3]).allMatch(x -> x == -1 || x == 0 || x == 1)).isTrue();
    }

    @Test
    void gridsExpandToTheProductOfTheirSizesLastVaryingFastest() throws Exception {
        String p = "{\"speedKph\": {\"grid\": {\"from\": 10, \"to\": 80, \"step\": 5}},"
                + " \"offsetPct\": {\"grid\": [-50, -25, 0, 25, 50]}, \"jitter\": {\"uniform\": [0, 1]}}";
        ScenarioFamily f = parse(family(p, "{\"expr\": \"offsetPct / 100 * 1.8\"}"));
        assertThat(f.gridParameters()).extracting(ScenarioFamily.Parameter::name).containsExactly("speedKph", "offsetPct");
        assertThat(f.cells()).isEqualTo(15 * 5);
        assertThat(f.cellValues(0)).containsEntry("speedKph", 10.0).containsEntry("offsetPct", -50.0);
        assertThat(f.cellValues(1)).containsEntry("speedKph", 10.0).containsEntry("offsetPct", -25.0);
        assertThat(f.cellValues(5)).containsEntry("speedKph", 15.0).containsEntry("offsetPct", -50.0);
        assertThat(f.cellValues(74)).containsEntry("speedKph", 80.0).containsEntry("offsetPct", 50.0);
        assertThat(f.instantiate(74, 3).spec().actors().get(0).lateralM()).isCloseTo(0.9, within(1e-12));
        // a grid draws nothing: the jitter of a seed is the same in every cell
        assertThat(f.values(3, 11)[2]).isEqualTo(f.values(60, 11)[2]);
        // and the evaluator runs every cell N times
        assertThat(Evaluator.totalRuns(java.util.List.of(f), 4)).isEqualTo(300);
        // an inline grid counts too
        ScenarioFamily inline = parse(family("{}", "{\"grid\": [-1, 0, 1]}"));
        assertThat(inline.cells()).isEqualTo(3);
        assertThat(inline.gridParameters()).extracting(ScenarioFamily.Parameter::name).containsExactly("actors[0].lateralM");
    }

    @Test
    void theShippedEuroNcapGridsHaveTheProtocolsCells() throws Exception {
        var families = Suites.load(ProjectFiles.families(), "euro-ncap-ccr");
        var cells = new java.util.TreeMap<String, Integer>();
        families.forEach(f -> cells.put(f.id(), f.cells()));
        // CCRs 10-80 km/h x 5 offsets; CCRm 30-80 km/h x 5; CCRb 2 decelerations x 5 offsets per gap
        assertThat(cells).containsExactlyEntriesOf(new java.util.TreeMap<>(java.util.Map.of(
                "euro-ncap-ccrs", 75, "euro-ncap-ccrm", 55, "euro-ncap-ccrb-12m", 10, "euro-ncap-ccrb-40m", 10)));
    }

    private static double mean(double[] v) {
        return Arrays.stream(v).average().orElseThrow();
    }

    private static double var(double[] v) {
        double m = mean(v);
        return Arrays.stream(v).map(x -> (x - m) * (x - m)).sum() / (v.length - 1);
    }
}
