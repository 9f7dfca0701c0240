package io.sightline.app.mining;

import io.sightline.app.WrongSettingException;
import io.sightline.cloud.export.AuditExportController;
import io.sightline.cloud.mining.ExportFormat;
import io.sightline.cloud.mining.HardExampleMiner;
import io.sightline.cloud.mining.MiningExport;
import io.sightline.cloud.mining.MiningRequest;
import io.sightline.cloud.mining.MiningResult;
import io.sightline.runtime.EdgeDefaults;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sightline mine}: hard-example mining (docs/mining.md). Ranks the fleet's frames by the
 * mining triggers, writes the budget's best as a COCO, YOLO or MOTChallenge training set with the
 * frames' JPEGs and a manifest, and prints the enrichment against random sampling.
 */
@Command(name = "mine", description = "Hard-example mining: the frames most worth labelling, as COCO, YOLO or MOT with JPEGs and a manifest.")
public class MineCommand implements Callable<Integer> {

    @Option(names = "--fleet", defaultValue = EdgeDefaults.FLEET_ID, description = "Fleet to mine (default: ${DEFAULT-VALUE}).")
    String fleet;
    @Option(names = "--from", description = "Start of the frames' edge time, epoch nanoseconds or ISO-8601 (inclusive); default: the beginning.")
    String from;
    @Option(names = "--to", description = "End, epoch nanoseconds or ISO-8601 (exclusive); default: no end.")
    String to;
    @Option(names = "--budget-frames", description = "Frames to export; default: 1 % of the frames in scope.")
    Integer budgetFrames;
    @Option(names = "--format", required = true, description = "coco, yolo or mot.")
    String format;
    @Option(names = "--out", required = true, description = "Directory to create; must not exist or be empty.")
    Path out;
    @Option(names = "--jdbc-url", description = "PostgreSQL to read; default: the embedded one.")
    String jdbcUrl;

    @Override
    public Integer call() throws Exception {
        // Every setting is checked before the store is opened: a typo answers in a second, not after start-up.
        ExportFormat exportFormat;
        MiningRequest request;
        try {
            exportFormat = ExportFormat.parse(format);
        } catch (IllegalArgumentException e) {
            throw new WrongSettingException("--format must be coco, yolo or mot, got '" + format + "'", e);
        }
        try {
            long fromNanos = from == null ? Long.MIN_VALUE : AuditExportController.nanos("--from", from);
            long toNanos = to == null ? Long.MAX_VALUE : AuditExportController.nanos("--to", to);
            if (fromNanos >= toNanos) {
                throw new IllegalArgumentException("--from (" + from + ") must be before --to (" + to + "): the range is empty or inverted");
            }
            if (budgetFrames != null && (budgetFrames < 1 || budgetFrames > MiningRequest.MAX_BUDGET_FRAMES)) {
                throw new IllegalArgumentException("--budget-frames must be between 1 and " + MiningRequest.MAX_BUDGET_FRAMES + ", got "
                        + budgetFrames);
            }
            request = new MiningRequest(fleet, fromNanos, toNanos, budgetFrames);
        } catch (IllegalArgumentException e) {
            throw new WrongSettingException(e.getMessage(), e);
        }
        if (Files.exists(out) && (!Files.isDirectory(out) || !isEmpty(out))) {
            throw new WrongSettingException("--out " + out + " exists and is not an empty directory; name a new one");
        }
        try (ConfigurableApplicationContext ctx = io.sightline.app.CloudContext.start(jdbcUrl, "sightline.projections.enabled=false")) {
            MiningResult result = ctx.getBean(HardExampleMiner.class).mine(request);
            Path tmp = out.toAbsolutePath().resolveSibling(out.getFileName() + ".partial");
            deleteTree(tmp);
            // Sessions recorded with evidence as video (ADR-0037) get their frames decoded from the alert windows' clips.
            MiningExport.Written written = ctx.getBean(MiningExport.class).write(result, exportFormat, tmp, new ClipFramePictures(
                    ctx.getBean(io.sightline.cloud.trace.JdbcEventLookup.class), ctx.getBean(io.sightline.cloud.evidence.AlertEvidenceService.class)));
            // Only a complete export gets the final name: a crash never leaves a half set that looks whole.
            if (Files.exists(out)) {
                Files.delete(out);
            }
            Files.move(tmp, out);
            System.out.printf("mined %d session(s), %d frame(s) of fleet %s; %d frame(s) fired a trigger; budget %d frame(s)%n",
                    result.sessionsInScope(), result.framesInScope(), fleet, result.framesTriggered(), result.budgetFrames());
            System.out.println("frames per trigger: " + result.framesPerTrigger());
            System.out.printf("wrote %s: %s, %d frame(s), %d JPEG(s), %d without stored evidence (see manifest.json), %d label(s),"
                            + " %d prediction(s)%n", out.toAbsolutePath(), exportFormat.id(), written.frames(), written.images(),
                    written.missingImages(), written.labels(), written.predictions());
            System.out.println(result.enrichment().summary());
            return 0;
        }
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
