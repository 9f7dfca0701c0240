package io.sightline.edge.cli;

import io.sightline.edge.mot.MotCsv;
import io.sightline.edge.mot.MotEvaluator;
import io.sightline.edge.mot.MotFormatException;
import io.sightline.edge.mot.MotRow;
import io.sightline.edge.mot.MotSummary;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code mot-eval}: scores MOTChallenge results against ground truth, printing JSON. */
@Command(name = "mot-eval", mixinStandardHelpOptions = true,
        description = {
            "Score MOTChallenge tracker results against ground truth.",
            "Prints JSON: mota, motp (1 - IoU), idf1, idp, idr, recall, precision, fp, fn, idsw, fm,",
            "gt, mt, pt, ml (py-motmetrics definitions) and hota, deta, assa (TrackEval)."})
public final class MotEvalCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--gt", required = true, paramLabel = "GT.txt", description = "Ground truth (MOTChallenge CSV).")
    Path gtFile;

    @Option(names = "--res", required = true, paramLabel = "RES.txt", description = "Tracker results (MOTChallenge CSV).")
    Path resFile;

    @Option(names = "--iou", paramLabel = "IOU", defaultValue = "0.5",
            description = "Minimum IoU for a match in CLEAR MOT and identity metrics (default: ${DEFAULT-VALUE}).")
    double iouThreshold;

    @Option(names = "--drop-zero-flag",
            description = "Ignore ground-truth rows whose 7th column is 0, as the MOT15 devkit does.")
    boolean dropZeroFlag;

    @Override
    public Integer call() {
        if (!(iouThreshold > 0 && iouThreshold <= 1)) {
            throw new ParameterException(spec.commandLine(), "--iou must be in (0, 1], got " + iouThreshold);
        }
        PrintWriter err = spec.commandLine().getErr();
        List<MotRow> gt;
        List<MotRow> res;
        try {
            gt = MotCsv.read(gtFile);
            res = MotCsv.read(resFile);
        } catch (IOException | MotFormatException e) {
            return CliErrors.report(err, "mot-eval", e);
        }
        MotSummary summary = new MotEvaluator(iouThreshold, dropZeroFlag).evaluate(gt, res);
        PrintWriter out = spec.commandLine().getOut();
        out.println(summary.toJson());
        out.flush();
        return 0;
    }
}
