package io.sightline.app.clip;

import static org.bytedeco.opencv.global.opencv_core.CMP_EQ;
import static org.bytedeco.opencv.global.opencv_core.CV_8U;
import static org.bytedeco.opencv.global.opencv_core.bitwise_or;
import static org.bytedeco.opencv.global.opencv_core.compare;
import static org.bytedeco.opencv.global.opencv_core.merge;
import static org.bytedeco.opencv.global.opencv_core.split;
import static org.bytedeco.opencv.global.opencv_imgproc.CHAIN_APPROX_SIMPLE;
import static org.bytedeco.opencv.global.opencv_imgproc.GC_INIT_WITH_RECT;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.LINE_8;
import static org.bytedeco.opencv.global.opencv_imgproc.RETR_EXTERNAL;
import static org.bytedeco.opencv.global.opencv_imgproc.GaussianBlur;
import static org.bytedeco.opencv.global.opencv_imgproc.contourArea;
import static org.bytedeco.opencv.global.opencv_imgproc.drawContours;
import static org.bytedeco.opencv.global.opencv_imgproc.findContours;
import static org.bytedeco.opencv.global.opencv_imgproc.grabCut;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import io.sightline.edge.range.CameraModel;
import org.bytedeco.javacpp.indexer.UByteIndexer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatVector;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * Composites a real vehicle, cut out of a real photo, into real dashcam frames where a scripted
 * lead vehicle would be, projected through the same calibrated camera the estimator inverts. The
 * detector, tracker, range filter and risk policy then run unchanged on the result, and the script
 * gives exact ground truth (gap, TTC, box) for every frame.
 *
 * <p>Why composite instead of film: the dashcam clips we may ship contain no hazard (their cars are
 * one or two lanes away), and forward-collision events are too rare and too dangerous to stage.
 * Compositing keeps every stage real except the lead vehicle's motion, which is exactly the part
 * that must be known to score the system.
 */
public final class HazardClip {

    /** Below this gap the lead is beside the ego's bonnet and leaves the frame; it is no longer drawn. */
    static final double MIN_DRAWN_GAP_M = 3.0;
    /** The contact shadow is what makes a pasted car sit on the road; a thin band darkened under the rear axle. */
    static final double SHADOW_DARKEN = 0.55;
    static final double SHADOW_ABOVE_BOTTOM = 0.12;
    static final double SHADOW_BELOW_BOTTOM = 0.06;

    private HazardClip() {
    }

    /** Box of the lead in image pixels (not clipped to the frame), or null when it is not drawn. */
    public record BoxPx(double x1, double y1, double x2, double y2) {
    }

    public static BoxPx project(CameraModel camera, LeadMotion script, double tS) {
        double gapM = script.gapM(tS);
        if (gapM < MIN_DRAWN_GAP_M) {
            return null;
        }
        double roadYM = camera.mountingHeightM();
        double xM = script.lateralM(tS);
        double bottom = camera.rowPx(roadYM, gapM);
        double top = camera.rowPx(roadYM - script.heightM(), gapM);
        double left = camera.columnPx(xM - script.widthM() / 2, roadYM, gapM);
        double right = camera.columnPx(xM + script.widthM() / 2, roadYM, gapM);
        if (right <= 0 || left >= camera.widthPx() || top >= camera.heightPx()) {
            return null;
        }
        return new BoxPx(left, top, right, bottom);
    }

    /**
     * Draws the sprite (BGRA, alpha = coverage) into the BGR frame at the box, with a contact
     * shadow. Pixels outside the frame are clipped.
     */
    public static void composite(Mat frameBgr, Mat spriteBgra, BoxPx box) {
        int x0 = (int) Math.round(box.x1());
        int y0 = (int) Math.round(box.y1());
        int w = Math.max(1, (int) Math.round(box.x2() - box.x1()));
        int h = Math.max(1, (int) Math.round(box.y2() - box.y1()));
        int cols = frameBgr.cols();
        int rows = frameBgr.rows();
        try (Mat scaled = new Mat()) {
            resize(spriteBgra, scaled, new Size(w, h), 0, 0, w < spriteBgra.cols() ? INTER_AREA : INTER_LINEAR);
            try (UByteIndexer frame = frameBgr.createIndexer(); UByteIndexer sprite = scaled.createIndexer()) {
                int shadowTop = (int) Math.round(box.y2() - h * SHADOW_ABOVE_BOTTOM);
                int shadowBottom = (int) Math.round(box.y2() + h * SHADOW_BELOW_BOTTOM);
                for (int y = Math.max(0, shadowTop); y < Math.min(rows, shadowBottom); y++) {
                    for (int x = Math.max(0, x0 - w / 20); x < Math.min(cols, x0 + w + w / 20); x++) {
                        for (int c = 0; c < 3; c++) {
                            frame.put(y, x, c, (int) (frame.get(y, x, c) * SHADOW_DARKEN));
                        }
                    }
                }
                for (int y = Math.max(0, y0); y < Math.min(rows, y0 + h); y++) {
                    for (int x = Math.max(0, x0); x < Math.min(cols, x0 + w); x++) {
                        int alpha = sprite.get(y - y0, x - x0, 3);
                        for (int c = 0; c < 3; c++) {
                            int blended = (sprite.get(y - y0, x - x0, c) * alpha + frame.get(y, x, c) * (255 - alpha)) / 255;
                            frame.put(y, x, c, blended);
                        }
                    }
                }
            }
        }
    }

    /**
     * Cuts a vehicle out of a photo: GrabCut initialised with a rectangle a few pixels larger than
     * the vehicle's box, keeping the largest connected foreground region (GrabCut leaves holes at
     * the licence plate and tail lights, which are brighter than the body) with a feathered edge.
     *
     * @return BGRA sprite of the box's size
     */
    public static Mat cutOut(Mat photoBgr, Rect box) {
        int pad = 7;
        Rect init = new Rect(Math.max(0, box.x() - pad), Math.max(0, box.y() - pad),
                Math.min(photoBgr.cols() - Math.max(0, box.x() - pad), box.width() + 2 * pad),
                Math.min(photoBgr.rows() - Math.max(0, box.y() - pad), box.height() + 2 * pad));
        try (Mat mask = new Mat(); Mat bgd = new Mat(); Mat fgd = new Mat(); Mat sure = new Mat(); Mat probable = new Mat();
             Mat fg = new Mat(); Mat one = new Mat(1, 1, CV_8U, new Scalar(1)); Mat three = new Mat(1, 1, CV_8U, new Scalar(3))) {
            grabCut(photoBgr, mask, init, bgd, fgd, 8, GC_INIT_WITH_RECT);
            compare(mask, one, sure, CMP_EQ);
            compare(mask, three, probable, CMP_EQ);
            bitwise_or(sure, probable, fg);
            Mat coverage = new Mat(box.height(), box.width(), CV_8U, new Scalar(0));
            try (Mat fgBox = new Mat(fg, box).clone(); MatVector contours = new MatVector()) {
                findContours(fgBox, contours, RETR_EXTERNAL, CHAIN_APPROX_SIMPLE);
                if (contours.size() == 0) {
                    throw new IllegalArgumentException("no vehicle found inside box " + box.x() + "," + box.y() + " "
                            + box.width() + "x" + box.height() + ": check --sprite-box against the photo");
                }
                int largest = 0;
                double largestArea = -1;
                for (int i = 0; i < contours.size(); i++) {
                    double area = contourArea(contours.get(i));
                    if (area > largestArea) {
                        largestArea = area;
                        largest = i;
                    }
                }
                drawContours(coverage, contours, largest, new Scalar(255), -1, LINE_8, null, 0, new Point());
            }
            GaussianBlur(coverage, coverage, new Size(3, 3), 0);
            try (Mat crop = new Mat(photoBgr, box).clone(); MatVector channels = new MatVector()) {
                split(crop, channels);
                Mat bgra = new Mat();
                merge(new MatVector(channels.get(0), channels.get(1), channels.get(2), coverage), bgra);
                coverage.close();
                return bgra;
            }
        }
    }
}
