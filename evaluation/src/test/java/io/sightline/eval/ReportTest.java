package io.sightline.eval;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sightline.eval.cli.EvaluateCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** report.json is the same bytes for the same seed, whatever the thread count; the HTML report is self-contained. */
class ReportTest {

    @TempDir
    Path tmp;

    private int run(Path out, String seed, String threads, String... families) {
        String[] base = {"--runs", "6", "--seed", seed, "--threads", threads, "--out", out.toString(), "--family"};
        String[] args = java.util.Arrays.copyOf(base, base.length + families.length);
        System.arraycopy(families, 0, args, base.length, families.length);
        CommandLine cl = new CommandLine(new EvaluateCommand());
        cl.setOut(new PrintWriter(new StringWriter()));
        cl.setErr(new PrintWriter(new StringWriter()));
        return cl.execute(args);
    }

    @Test
    void sameSeedGivesTheSameBytesAndAnotherSeedDoesNot() throws Exception {
        Path fam = ProjectFiles.families();
        String[] families = {fam.resolve("hazards/cut-in-short-gap.json").toString(),
            fam.resolve("benign/parked-lane-edge.json").toString(),
            fam.resolve("euro-ncap-ccr/euro-ncap-ccrb-12m.json").toString()};
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        Path c = tmp.resolve("c");
        run(a, "41", "1", families);
        run(b, "41", "3", families);
        run(c, "42", "2", families);
        byte[] ja = Files.readAllBytes(a.resolve("report.json"));
        assertThat(Files.readAllBytes(b.resolve("report.json"))).isEqualTo(ja);
        assertThat(Files.readAllBytes(c.resolve("report.json"))).isNotEqualTo(ja);

        JsonNode r = new ObjectMapper().readTree(ja);
        assertThat(r.path("seed").asLong()).isEqualTo(41);
        assertThat(r.path("families")).hasSize(3);
        JsonNode ccrb = r.path("families").get(2);
        assertThat(ccrb.path("runs").asInt()).isEqualTo(10 * 6);
        assertThat(ccrb.path("grid").path("cells")).hasSize(10);
        assertThat(ccrb.path("hazard").path("missRateUpper95").asDouble()).isPositive();
        JsonNode benign = r.path("families").get(1);
        assertThat(benign.path("benign").path("falseAlertUpper95").asDouble()).isPositive();
        assertThat(benign.path("budget").path("target").asDouble()).isEqualTo(0.01);
        // every listed run's scenario is written beside the report and runs as a plain scenario file
        for (JsonNode f : r.path("families")) {
            for (JsonNode run : f.path("worstRuns")) {
                Path input = a.resolve(run.path("input").asText());
                assertThat(input).isRegularFile();
                assertThat(io.sightline.edge.scenario.ScenarioSpecParser.parse(input).noise().seed())
                        .isEqualTo(run.path("seed").asLong());
            }
        }
    }

    @Test
    void htmlReportIsSelfContainedWithChartsAndData() throws Exception {
        Path out = tmp.resolve("h");
        run(out, "1", "2", ProjectFiles.families().resolve("euro-ncap-ccr/euro-ncap-ccrb-12m.json").toString(),
                ProjectFiles.families().resolve("nhtsa-fcw/nhtsa-fcw-3-lead-braking.json").toString());
        String html = Files.readString(out.resolve("report.html"));
        assertThat(html).doesNotContainPattern("<script[^>]+src=").doesNotContain("<link ");
        assertThat(html).doesNotContain("http://cdn").doesNotContain("https://cdn");
        // ECharts inlined from its WebJar, the heat map and the TTC histogram placeholders, and the data
        assertThat(html).contains("echarts").contains("id=\"grid-0\"").contains("id=\"ttc-0\"").contains("id=\"ttc-1\"");
        String marker = "<script id=\"report-data\" type=\"application/json\">";
        String data = html.substring(html.indexOf(marker) + marker.length());
        data = data.substring(0, data.indexOf("</script>")).replace("<\\/", "</");
        assertThat(new ObjectMapper().readTree(data).path("families")).hasSize(2);
        assertThat(html.length()).isGreaterThan(500_000);
    }
}
