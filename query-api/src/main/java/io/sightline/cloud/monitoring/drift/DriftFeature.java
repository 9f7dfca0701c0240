package io.sightline.cloud.monitoring.drift;

import java.util.Arrays;
import java.util.Optional;

/**
 * The features the drift monitor compares, each with the unit its values are counted in. The names
 * are API: findings, metrics and the monitoring page use them, so a feature is never renamed or
 * given another meaning, only added.
 */
public enum DriftFeature {
    SUMMARY_MEAN_LUMA("summary.meanLuma", Kind.NUMERIC, "window", "mean luma of the window's frames, 8-bit code values"),
    SUMMARY_LUMA_STD_DEV("summary.lumaStdDev", Kind.NUMERIC, "window", "spread of luma within a frame, code values"),
    SUMMARY_RMS_CONTRAST("summary.rmsContrast", Kind.NUMERIC, "window", "RMS contrast, 0-1"),
    SUMMARY_LAPLACIAN_VARIANCE("summary.laplacianVariance", Kind.NUMERIC, "window", "sharpness, variance of the Laplacian"),
    SUMMARY_DETECTIONS_PER_FRAME("summary.detectionsPerFrame", Kind.NUMERIC, "window", "detections per frame"),
    SUMMARY_NO_DETECTION_SHARE("summary.noDetectionShare", Kind.NUMERIC, "window", "share of frames with no detection"),
    SUMMARY_CLASS("summary.class", Kind.CATEGORICAL, "detection", "class mix from the summaries' per-class counts"),
    SUMMARY_BOX_AREA_BIN("summary.boxAreaBin", Kind.CATEGORICAL, "detection", "box area bins of the summaries"),
    DETECTION_CLASS("detection.class", Kind.CATEGORICAL, "detection", "class of each primary-model detection"),
    DETECTION_SCORE("detection.score", Kind.NUMERIC, "detection", "score of each primary-model detection"),
    DETECTION_BOX_AREA_FRACTION("detection.boxAreaFraction", Kind.NUMERIC, "detection", "box area / frame area"),
    DETECTION_BOX_BOTTOM_ROW_FRACTION("detection.boxBottomRowFraction", Kind.NUMERIC, "detection", "box bottom row / frame height"),
    TRACK_LENGTH_FRAMES("track.lengthFrames", Kind.NUMERIC, "track", "frames from a track's start to its loss"),
    SESSION_ALERTS_PER_DRIVING_HOUR("session.alertsPerDrivingHour", Kind.NUMERIC, "session", "alerts per hour of driving");

    public enum Kind { NUMERIC, CATEGORICAL }

    private final String id;
    private final Kind kind;
    private final String unit;
    private final String description;

    DriftFeature(String id, Kind kind, String unit, String description) {
        this.id = id;
        this.kind = kind;
        this.unit = unit;
        this.description = description;
    }

    public String id() {
        return id;
    }

    public Kind kind() {
        return kind;
    }

    /** What one value is: a summary window, a detection, a track or a session. */
    public String unit() {
        return unit;
    }

    public String description() {
        return description;
    }

    public static Optional<DriftFeature> byId(String id) {
        return Arrays.stream(values()).filter(f -> f.id.equals(id)).findFirst();
    }
}
