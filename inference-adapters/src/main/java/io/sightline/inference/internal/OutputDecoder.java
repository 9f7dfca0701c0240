package io.sightline.inference.internal;

import io.sightline.inference.Detections;

import java.nio.FloatBuffer;

/** Decodes a raw network output into source-pixel detections, allocation-free. */
public interface OutputDecoder {
    /**
     * @param raw     the output tensor's data (position 0)
     * @param srcW    source image width in pixels
     * @param srcH    source image height in pixels
     * @param ratio   letterbox ratio used by the preprocessor (1 for plain resize)
     * @param out     reused result
     */
    void decode(FloatBuffer raw, int srcW, int srcH, float ratio, Detections out);
}
