package io.sightline.runtime.clip;

import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_KEY;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avformat.av_find_best_stream;
import static org.bytedeco.ffmpeg.global.avformat.av_read_frame;
import static org.bytedeco.ffmpeg.global.avformat.avformat_close_input;
import static org.bytedeco.ffmpeg.global.avformat.avformat_find_stream_info;
import static org.bytedeco.ffmpeg.global.avformat.avformat_open_input;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO;
import static org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;

import java.util.Locale;
import java.util.Set;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.javacpp.PointerPointer;

/**
 * A second demuxer on the pipeline's source that reads its compressed video packets, without
 * decoding, into a {@link PacketRing} (ADR-0037). The pipeline's decoder is left exactly as it
 * was, so detections, alerts and traces cannot move; reading a packet costs microseconds (no
 * decode), and it happens on the clip stage's thread, never the detector's.
 *
 * <p>For files only: a device cannot be opened twice, and a second connection to a network camera
 * would see other packets than the decoder (ADR-0037: those sources are encoded once instead).
 * Not thread-safe.
 */
public final class PacketTap implements AutoCloseable {

    /** Codecs an MP4 clip can carry as they are (the ones browsers play are H.264, HEVC, AV1, VP9). */
    static final Set<String> REMUXABLE_CODECS = Set.of("h264", "hevc", "av1", "vp9", "mpeg4");
    /**
     * Packets read past the last frame a clip wants before its group's presentation order is taken
     * as final: B-frames reorder by at most a few frames (H.264 allows 16 reference frames).
     */
    static final int REORDER_SLACK_PACKETS = 16;

    private final String location;
    private final AVFormatContext ic;
    private final int videoStream;
    private final AVPacket pkt = av_packet_alloc();
    private final PacketRing ring;
    private boolean ended;

    private PacketTap(String location, AVFormatContext ic, int videoStream, PacketRing ring) {
        this.location = location;
        this.ic = ic;
        this.videoStream = videoStream;
        this.ring = ring;
    }

    /**
     * @throws ClipException when the file cannot be opened, has no video stream, or its codec
     *                       cannot go into an MP4 clip as it is (the caller then encodes instead)
     */
    public static PacketTap open(String location, PacketRing ring) {
        AVFormatContext ic = new AVFormatContext(null);
        int err = avformat_open_input(ic, location, null, null);
        if (err < 0) {
            throw new ClipException("cannot read the packets of '" + location + "' for evidence clips: "
                    + ClipCutter.ffmpegError(err) + "; check that the file is a complete video, or run with --no-evidence");
        }
        try {
            err = avformat_find_stream_info(ic, (PointerPointer<?>) null);
            if (err < 0) {
                throw new ClipException("cannot read the packets of '" + location + "' for evidence clips: "
                        + ClipCutter.ffmpegError(err) + "; check that the file is a complete video, or run with --no-evidence");
            }
            int stream = av_find_best_stream(ic, AVMEDIA_TYPE_VIDEO, -1, -1, (org.bytedeco.ffmpeg.avcodec.AVCodec) null, 0);
            if (stream < 0) {
                throw new ClipException("'" + location + "' has no video stream to cut evidence clips from");
            }
            String codec = org.bytedeco.ffmpeg.global.avcodec.avcodec_get_name(ic.streams(stream).codecpar().codec_id()).getString();
            if (!REMUXABLE_CODECS.contains(codec.toLowerCase(Locale.ROOT))) {
                throw new ClipException("the video codec of '" + location + "' (" + codec + ") cannot go into an MP4 clip as it is;"
                        + " its alert windows are encoded instead");
            }
            return new PacketTap(location, ic, stream, ring);
        } catch (RuntimeException e) {
            avformat_close_input(ic);
            throw e;
        }
    }

    /**
     * Reads packets until the ring has every packet of presentation indices up to
     * {@code presentationIndex} (and {@link #REORDER_SLACK_PACKETS} beyond, for the order), or the
     * file ended; then ranks what it holds.
     *
     * @return false when the file ended before that frame
     */
    public boolean readThrough(long presentationIndex) {
        while (!ended && ring.packetsSeen() <= presentationIndex + REORDER_SLACK_PACKETS) {
            int err = av_read_frame(ic, pkt);
            if (err < 0) {
                // End of file, or a read error: the decoder sees the same bytes and reports it to the pipeline.
                ended = true;
                break;
            }
            try {
                if (pkt.stream_index() == videoStream && pkt.size() > 0) {
                    byte[] data = new byte[pkt.size()];
                    pkt.data().capacity(pkt.size()).get(data);
                    long dts = pkt.dts();
                    long pts = pkt.pts() != AV_NOPTS_VALUE ? pkt.pts() : dts;
                    ring.add(data, pts, dts == AV_NOPTS_VALUE ? pts : dts, pkt.duration(), (pkt.flags() & AV_PKT_FLAG_KEY) != 0);
                }
            } finally {
                av_packet_unref(pkt);
            }
        }
        ring.settle();
        return ring.packetsSeen() > presentationIndex;
    }

    public PacketRing ring() {
        return ring;
    }

    AVCodecParameters codecParameters() {
        return stream().codecpar();
    }

    AVRational timeBase() {
        return stream().time_base();
    }

    private AVStream stream() {
        return ic.streams(videoStream);
    }

    /** Average frame rate of the video stream, in frames/s (0 when the container does not say). */
    public double frameRate() {
        AVRational r = stream().avg_frame_rate();
        return r.den() == 0 ? 0 : r.num() / (double) r.den();
    }

    public String location() {
        return location;
    }

    @Override
    public void close() {
        av_packet_free(pkt);
        avformat_close_input(ic);
    }
}
