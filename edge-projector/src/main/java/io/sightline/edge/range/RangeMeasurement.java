package io.sightline.edge.range;

/**
 * One frame's monocular range measurement of one object, reused by the caller (no allocation per
 * frame). Unavailable components are NaN: the ground-plane range when the box bottom is clipped by
 * the image or not below the horizon, the known-width range when a side is clipped or the class has
 * no width prior.
 */
public final class RangeMeasurement {

    double groundRangeM = Double.NaN;
    double groundSigmaM = Double.NaN;
    double widthRangeM = Double.NaN;
    double widthSigmaM = Double.NaN;
    double rangeM = Double.NaN;
    double sigmaM = Double.NaN;
    double bearingTan = Double.NaN;

    void clear() {
        groundRangeM = Double.NaN;
        groundSigmaM = Double.NaN;
        widthRangeM = Double.NaN;
        widthSigmaM = Double.NaN;
        rangeM = Double.NaN;
        sigmaM = Double.NaN;
        bearingTan = Double.NaN;
    }

    /** True when at least one of the two ranges could be measured. */
    public boolean isValid() {
        return Double.isFinite(rangeM);
    }

    public double groundRangeM() {
        return groundRangeM;
    }

    public double groundSigmaM() {
        return groundSigmaM;
    }

    public double widthRangeM() {
        return widthRangeM;
    }

    public double widthSigmaM() {
        return widthSigmaM;
    }

    /** Inverse-variance fusion of the available ranges, m. */
    public double rangeM() {
        return rangeM;
    }

    /** One standard deviation of {@link #rangeM()}, m. */
    public double sigmaM() {
        return sigmaM;
    }

    /**
     * Lateral position of the object's centre divided by its depth (X / zc): multiply by a range
     * to get metres. Taken from the unclipped box edge when one side is clipped.
     */
    public double bearingTan() {
        return bearingTan;
    }
}
