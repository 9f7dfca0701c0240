package io.sightline.edge.cli;

import io.sightline.edge.mot.MotCsv;
import io.sightline.edge.mot.MotDetectionSequence;
import io.sightline.edge.mot.MotFormatException;
import io.sightline.edge.mot.MotRow;
import io.sightline.edge.mot.MotTrackRunner;
import io.sightline.edge.tracking.TrackerConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code track}: runs the ByteTrack-class tracker over MOTChallenge detections. */
@Command(name = "track", mixinStandardHelpOptions = true,
        description = {
            "Track MOTChallenge detections (frame,id,x,y,w,h,score,...) and write MOTChallenge results.",
            "Prints the tracking speed in frames/s, measured on tracking alone (no file IO)."})
public final class TrackCommand implements Callable<Integer> {

    /** Named threshold sets; see TrackerConfig. */
    public enum Preset {
        /** Tuned for MOT15 public (Faster R-CNN) detections. */
        mot15,
        /** ByteTrack's published MOT17 thresholds. */
        bytetrack;

        TrackerConfig config() {
            return this == mot15 ? TrackerConfig.mot15PublicDetections() : TrackerConfig.defaults();
        }
    }

    @Spec
    CommandSpec spec;

    @Option(names = "--det", required = true, paramLabel = "DET.txt",
            description = "Detections in MOTChallenge CSV; column 7 is the score.")
    Path detFile;

    @Option(names = "--out", required = true, paramLabel = "RES.txt",
            description = "Where to write the tracks (MOTChallenge CSV).")
    Path outFile;

    @Option(names = "--frame-rate", paramLabel = "HZ", defaultValue = "30",
            description = "Frame rate of the sequence in Hz; scales the lost-track budget (default: ${DEFAULT-VALUE}).")
    double frameRateHz;

    @Option(names = "--preset", paramLabel = "NAME", defaultValue = "mot15",
            description = "Threshold set: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Preset preset;

    @Option(names = "--timing-repeats", paramLabel = "N", defaultValue = "1",
            description = {"Replay the sequence N times (fresh tracker each time) for the speed figure only;",
                "one pass over a short file mostly measures JIT warm-up (default: ${DEFAULT-VALUE})."})
    int timingRepeats;

    @Override
    public Integer call() {
        if (timingRepeats < 1) {
            throw new ParameterException(spec.commandLine(), "--timing-repeats must be >= 1, got " + timingRepeats);
        }
        if (!(frameRateHz > 0) || Double.isInfinite(frameRateHz)) {
            throw new ParameterException(spec.commandLine(),
                    "--frame-rate must be a positive number of Hz, got " + frameRateHz);
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<MotRow> detections;
        try {
            detections = MotCsv.read(detFile);
        } catch (IOException | MotFormatException e) {
            return CliErrors.report(err, "track", e);
        }
        MotDetectionSequence sequence = MotDetectionSequence.of(detections);
        MotTrackRunner.Result result = MotTrackRunner.run(sequence, preset.config(), frameRateHz);
        List<MotRow> rows = result.rows();
        try {
            MotCsv.write(outFile, rows);
        } catch (IOException e) {
            return CliErrors.report(err, "track", e);
        }
        out.printf(Locale.ROOT, "tracked %d frames, %d detections -> %d track rows in %s%n",
                result.frames(), sequence.detectionCount(), rows.size(), outFile);
        long trackedFrames = result.frames();
        long trackingNanos = result.trackingNanos();
        for (int r = 1; r < timingRepeats; r++) {
            MotTrackRunner.Result again = MotTrackRunner.run(sequence, preset.config(), frameRateHz);
            trackedFrames += again.frames();
            trackingNanos += again.trackingNanos();
        }
        out.printf(Locale.ROOT,
                "tracking speed: %.0f frames/s over %d frames (tracking only, excluding file IO)%n",
                trackedFrames / (Math.max(1, trackingNanos) / 1e9), trackedFrames);
        out.flush();
        return 0;
    }
}
