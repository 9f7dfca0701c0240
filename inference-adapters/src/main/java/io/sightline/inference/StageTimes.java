package io.sightline.inference;

/** Nanoseconds spent in each detector stage on the last frame (mutable, reused). */
public final class StageTimes {
    public long preprocessNanos;
    public long inferenceNanos;
    public long postprocessNanos;

    public long totalNanos() {
        return preprocessNanos + inferenceNanos + postprocessNanos;
    }
}
