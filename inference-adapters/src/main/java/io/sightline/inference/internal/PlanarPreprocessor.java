package io.sightline.inference.internal;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatVector;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

import static org.bytedeco.opencv.global.opencv_core.CV_32F;
import static org.bytedeco.opencv.global.opencv_core.CV_32FC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_core.split;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

/**
 * BGR 8-bit image to planar float NCHW blob, written straight into one reused direct
 * {@link FloatBuffer} that the ORT input tensor wraps.
 *
 * <p>Steps: OpenCV resize into a reused 8-bit Mat, split into three reused 8-bit planes, then
 * {@code convertTo(CV_32F, scale)} straight into a sub-region of three plane Mats that alias the
 * blob (rows {@code c·H … (c+1)·H} of one {@code 3H×W} float Mat, so no pointer arithmetic is
 * needed). The letterbox padding is filled once, and again only when the source size changes.
 */
public final class PlanarPreprocessor implements AutoCloseable {

    /** How the source is fitted to the network input. */
    public enum Fit {
        /** Keep aspect ratio, paste top-left, pad the rest (YOLOX). */
        LETTERBOX_TOP_LEFT,
        /** Plain resize to the input size (FastestDet). */
        STRETCH
    }

    private final int inW;
    private final int inH;
    private final Fit fit;
    private final int interpolation;
    private final double scale;
    private final double pad;

    private final FloatBuffer blob;
    private final FloatPointer blobPointer;
    private final Mat all;
    private final Mat[] planes = new Mat[3];
    private final Mat[] roi = new Mat[3];
    private final Mat resized = new Mat();
    private final MatVector split8 = new MatVector(3);
    private Mat[] split8Planes;
    private Size resizeTo;

    private int srcW = -1;
    private int srcH = -1;
    private float ratio = 1f;

    public PlanarPreprocessor(int inW, int inH, Fit fit, int interpolation, double scale, double pad) {
        this.inW = inW;
        this.inH = inH;
        this.fit = fit;
        this.interpolation = interpolation;
        this.scale = scale;
        this.pad = pad;
        this.blob = ByteBuffer.allocateDirect(3 * inW * inH * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
        this.blobPointer = new FloatPointer(blob);
        this.all = new Mat(3 * inH, inW, CV_32FC1, blobPointer);
        for (int c = 0; c < 3; c++) {
            planes[c] = all.rowRange(c * inH, (c + 1) * inH);
        }
    }

    /** Fills the blob from a BGR {@code CV_8UC3} image. */
    public void run(Mat bgr) {
        if (bgr == null || bgr.isNull() || bgr.empty()) {
            throw new IllegalArgumentException("empty image");
        }
        if (bgr.type() != CV_8UC3) {
            throw new IllegalArgumentException("expected a BGR CV_8UC3 image, got OpenCV type " + bgr.type());
        }
        if (bgr.cols() != srcW || bgr.rows() != srcH) {
            reshape(bgr.cols(), bgr.rows());
        }
        resize(bgr, resized, resizeTo, 0, 0, interpolation);
        split(resized, split8);
        if (split8Planes == null) {
            // MatVector elements keep their address while the vector keeps size 3: cache the wrappers.
            split8Planes = new Mat[] {split8.get(0), split8.get(1), split8.get(2)};
        }
        for (int c = 0; c < 3; c++) {
            split8Planes[c].convertTo(roi[c], CV_32F, scale, 0);
        }
    }

    private void reshape(int w, int h) {
        int nw;
        int nh;
        if (fit == Fit.LETTERBOX_TOP_LEFT) {
            // double, as the reference (Python): in float 1280·(416/1280f) is 415.99998 → 415 px
            double r = Math.min(inH / (double) h, inW / (double) w);
            ratio = (float) r;
            nw = (int) (w * r);
            nh = (int) (h * r);
            try (Scalar padding = new Scalar(pad)) {
                all.put(padding);
            }
        } else {
            ratio = 1f;
            nw = inW;
            nh = inH;
        }
        if (resizeTo != null) {
            resizeTo.close();
        }
        resizeTo = new Size(nw, nh);
        for (int c = 0; c < 3; c++) {
            if (roi[c] != null) {
                roi[c].close();
            }
            try (Rect r = new Rect(0, 0, nw, nh)) {
                roi[c] = planes[c].apply(r);
            }
        }
        srcW = w;
        srcH = h;
    }

    public FloatBuffer blob() {
        return blob;
    }

    public int sourceWidth() {
        return srcW;
    }

    public int sourceHeight() {
        return srcH;
    }

    /** Letterbox ratio (network pixels per source pixel); 1 for STRETCH. */
    public float ratio() {
        return ratio;
    }

    public int inputWidth() {
        return inW;
    }

    public int inputHeight() {
        return inH;
    }

    @Override
    public void close() {
        for (int c = 0; c < 3; c++) {
            if (roi[c] != null) roi[c].close();
            planes[c].close();
        }
        all.close();
        resized.close();
        split8.close();
        if (resizeTo != null) resizeTo.close();
        blobPointer.close();
    }
}
