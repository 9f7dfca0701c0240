package io.sightline.edge.mot;

/**
 * One MOTChallenge row: {@code frame,id,x,y,w,h,conf,...}. Boxes are top-left corner and size in
 * pixels. For ground truth, {@code conf} is the "consider" flag (0 means ignore when dropping
 * zero-flagged rows); for detections it is the detector score; for tracker output it is usually -1.
 */
public record MotRow(int frame, int id, double xPx, double yPx, double widthPx, double heightPx,
                     double conf) {
}
