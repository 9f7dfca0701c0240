package io.sightline.app.clip;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC4;
import static org.bytedeco.opencv.global.opencv_imgproc.FONT_HERSHEY_DUPLEX;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.LINE_AA;
import static org.bytedeco.opencv.global.opencv_imgproc.fillConvexPoly;
import static org.bytedeco.opencv.global.opencv_imgproc.getTextSize;
import static org.bytedeco.opencv.global.opencv_imgproc.putText;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import io.sightline.edge.range.CameraModel;
import org.bytedeco.javacpp.indexer.UByteIndexer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * Draws a stop sign on its post into real dashcam frames, where a sign at a scripted place beside
 * the road would be, projected through the same calibrated camera the range estimator inverts: a
 * red octagon with a white rim and the white legend STOP (MUTCD R1-1 / Vienna B2a), on a grey post
 * down to the road. Nothing in the picture is real but the road; it is kept only because the ONNX
 * detector really does detect it as COCO's {@code stop sign}, and the test that uses it records the
 * score.
 */
public final class StopSignClip {

    /** Rendered once at this size, then scaled down per frame (INTER_AREA keeps the legend legible). */
    static final int SPRITE_PX = 256;
    /** The white rim is 1/30 of the sign's width on the R1-1 drawings (25 mm of 750). */
    static final double RIM_SHARE = 1.0 / 30;
    /** A post 60 mm wide. */
    static final double POST_WIDTH_M = 0.06;
    /** Closer than this the sign is beside the camera and out of the picture; it is not drawn. */
    static final double MIN_DRAWN_DEPTH_M = 2.0;

    private StopSignClip() {
    }

    /** The sign's face (and the post below it) in image pixels, not clipped to the frame. */
    public record Placement(double x1, double y1, double x2, double y2, double postX1, double postX2, double postBottomY) {
    }

    /**
     * @param depthM the sign's distance ahead along the road
     * @param lateralM its centre, right of the camera
     * @param elevationM its bottom edge above the road
     * @param sizeM its width (and height) across flats
     * @return null when not drawn (too close)
     */
    public static Placement project(CameraModel camera, double depthM, double lateralM, double elevationM, double sizeM) {
        if (depthM < MIN_DRAWN_DEPTH_M) {
            return null;
        }
        double roadY = camera.mountingHeightM();
        double bottomY = roadY - elevationM;
        double topY = bottomY - sizeM;
        double x1 = camera.columnPx(lateralM - sizeM / 2, bottomY, depthM);
        double x2 = camera.columnPx(lateralM + sizeM / 2, bottomY, depthM);
        double y1 = camera.rowPx(topY, depthM);
        double y2 = camera.rowPx(bottomY, depthM);
        double p1 = camera.columnPx(lateralM - POST_WIDTH_M / 2, roadY, depthM);
        double p2 = camera.columnPx(lateralM + POST_WIDTH_M / 2, roadY, depthM);
        double road = camera.rowPx(roadY, depthM);
        if (x2 <= 0 || x1 >= camera.widthPx() || y2 <= 0 || y1 >= camera.heightPx()) {
            return null;
        }
        return new Placement(x1, y1, x2, y2, p1, p2, road);
    }

    /** The sign as BGRA, alpha = coverage: a regular octagon with flat top, white rim, red field, white STOP. */
    public static Mat sprite() {
        Mat m = new Mat(SPRITE_PX, SPRITE_PX, CV_8UC4, new Scalar(0, 0, 0, 0));
        double c = SPRITE_PX / 2.0;
        double across = SPRITE_PX - 1;
        fillConvexPoly(m, octagon(c, across), 8, new Scalar(255, 255, 255, 255), LINE_AA, 0);
        fillConvexPoly(m, octagon(c, across * (1 - 2 * RIM_SHARE)), 8, new Scalar(32, 24, 196, 255), LINE_AA, 0);
        int[] baseline = new int[1];
        double scale = 2.2;
        int thickness = 12;
        Size text = getTextSize("STOP", FONT_HERSHEY_DUPLEX, scale, thickness, baseline);
        scale *= 0.62 * SPRITE_PX / text.width();
        text = getTextSize("STOP", FONT_HERSHEY_DUPLEX, scale, thickness, baseline);
        putText(m, "STOP", new Point((int) (c - text.width() / 2.0), (int) (c + text.height() / 2.0)), FONT_HERSHEY_DUPLEX,
                scale, new Scalar(255, 255, 255, 255), thickness, LINE_AA, false);
        return m;
    }

    private static Point octagon(double c, double acrossFlats) {
        Point p = new Point(8);
        double r = acrossFlats / 2 / Math.cos(Math.PI / 8);
        for (int i = 0; i < 8; i++) {
            double a = Math.PI / 8 + i * Math.PI / 4;
            p.position(i).x((int) Math.round(c + r * Math.cos(a))).y((int) Math.round(c + r * Math.sin(a)));
        }
        return p.position(0);
    }

    /** Draws the post, then the sign over it; pixels outside the frame are clipped. */
    public static void composite(Mat frameBgr, Mat spriteBgra, Placement at) {
        int cols = frameBgr.cols();
        int rows = frameBgr.rows();
        try (UByteIndexer frame = frameBgr.createIndexer()) {
            int px1 = (int) Math.floor(at.postX1());
            int px2 = Math.max(px1 + 1, (int) Math.ceil(at.postX2()));
            for (int y = Math.max(0, (int) Math.round(at.y2())); y < Math.min(rows, (int) Math.round(at.postBottomY())); y++) {
                for (int x = Math.max(0, px1); x < Math.min(cols, px2); x++) {
                    frame.put(y, x, 0, 120);
                    frame.put(y, x, 1, 124);
                    frame.put(y, x, 2, 128);
                }
            }
        }
        int x0 = (int) Math.round(at.x1());
        int y0 = (int) Math.round(at.y1());
        int w = Math.max(1, (int) Math.round(at.x2() - at.x1()));
        int h = Math.max(1, (int) Math.round(at.y2() - at.y1()));
        try (Mat scaled = new Mat()) {
            resize(spriteBgra, scaled, new Size(w, h), 0, 0, w < spriteBgra.cols() ? INTER_AREA : INTER_LINEAR);
            try (UByteIndexer frame = frameBgr.createIndexer(); UByteIndexer sprite = scaled.createIndexer()) {
                for (int y = Math.max(0, y0); y < Math.min(rows, y0 + h); y++) {
                    for (int x = Math.max(0, x0); x < Math.min(cols, x0 + w); x++) {
                        int alpha = sprite.get(y - y0, x - x0, 3);
                        for (int ch = 0; ch < 3; ch++) {
                            frame.put(y, x, ch, (sprite.get(y - y0, x - x0, ch) * alpha + frame.get(y, x, ch) * (255 - alpha)) / 255);
                        }
                    }
                }
            }
        }
    }
}
