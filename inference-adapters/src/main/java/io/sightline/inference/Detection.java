package io.sightline.inference;

/** One detection, immutable; box corners in source-frame pixels. */
public record Detection(int classId, String className, float score, float x1, float y1, float x2, float y2) {
}
