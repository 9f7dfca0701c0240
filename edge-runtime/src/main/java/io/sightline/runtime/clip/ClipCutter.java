package io.sightline.runtime.clip;

import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_KEY;
import static org.bytedeco.ffmpeg.global.avcodec.av_new_packet;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_rescale_ts;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_copy;
import static org.bytedeco.ffmpeg.global.avformat.AVIO_FLAG_WRITE;
import static org.bytedeco.ffmpeg.global.avformat.av_interleaved_write_frame;
import static org.bytedeco.ffmpeg.global.avformat.av_write_trailer;
import static org.bytedeco.ffmpeg.global.avformat.avformat_alloc_output_context2;
import static org.bytedeco.ffmpeg.global.avformat.avformat_free_context;
import static org.bytedeco.ffmpeg.global.avformat.avformat_new_stream;
import static org.bytedeco.ffmpeg.global.avformat.avformat_write_header;
import static org.bytedeco.ffmpeg.global.avformat.avio_closep;
import static org.bytedeco.ffmpeg.global.avformat.avio_open;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_free;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_set;
import static org.bytedeco.ffmpeg.global.avutil.av_strerror;

import io.sightline.uplink.evidence.EvidenceStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVIOContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.javacpp.BytePointer;

/**
 * Cuts a range of the source's frames out of a {@link PacketRing} into an MP4 clip by remuxing
 * (ADR-0037): the camera's own packets, from the last keyframe at or before the first frame
 * wanted, no re-encode. The clip's frame {@code k} (0-based, in presentation order) is the
 * source's frame {@link Clip#firstFrameIndex()}{@code + k}, the one the pipeline's
 * {@code FrameCaptured.frameIndex} names.
 *
 * <p>Timestamps are moved so the clip's first packet is decoded at 0; {@code +faststart} puts the
 * index at the front so a browser can start playing before the whole clip arrived.
 */
public final class ClipCutter {

    public static final String CONTENT_TYPE = "video/mp4";

    /**
     * An MP4 clip of the source's frames {@code firstFrameIndex … firstFrameIndex + frameCount − 1}.
     *
     * @param frameRateHz the source's frame rate, for the viewer to seek by time
     */
    public record Clip(byte[] bytes, String sha256, long firstFrameIndex, int frameCount, double frameRateHz) {

        /** The offset in this clip of the source's frame {@code frameIndex}, or -1 when the clip does not hold it. */
        public long offsetOf(long frameIndex) {
            long k = frameIndex - firstFrameIndex;
            return k >= 0 && k < frameCount ? k : -1;
        }
    }

    private ClipCutter() {
    }

    /** A new scratch file in {@code scratch} for an MP4 being written (its muxer seeks back to write the index). */
    static Path scratchFile(Path scratch, String prefix) {
        try {
            Files.createDirectories(scratch);
            return Files.createTempFile(scratch, prefix, ".mp4");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a scratch file for an evidence clip in " + scratch, e);
        }
    }

    /**
     * Reads the tap through {@code lastFrameIndex} and cuts frames {@code firstFrameIndex …
     * lastFrameIndex} (clamped to what the source has) into a clip.
     *
     * @param scratch a directory for the temporary file the MP4 muxer needs (it seeks back to write its index)
     * @return null when the ring no longer holds a keyframe at or before {@code firstFrameIndex}
     *         (forgotten over its budget) or the source has none of those frames
     * @throws ClipException when the muxer fails
     */
    public static Clip cut(PacketTap tap, long firstFrameIndex, long lastFrameIndex, Path scratch) {
        tap.readThrough(lastFrameIndex);
        List<PacketRing.Packet> packets = tap.ring().range(Math.max(0, firstFrameIndex), lastFrameIndex);
        if (packets.isEmpty()) {
            return null;
        }
        long first = packets.get(0).presentationIndex;
        long maxIndex = first;
        for (PacketRing.Packet p : packets) {
            maxIndex = Math.max(maxIndex, p.presentationIndex);
        }
        // Packets after the last wanted one in decode order are left out, so every index below the highest is present.
        int frames = (int) (maxIndex - first + 1);
        if (frames != packets.size()) {
            throw new ClipException("the packets of '" + tap.location() + "' for frames " + first + "…" + maxIndex
                    + " do not form a closed group of pictures (" + packets.size() + " packets for " + frames + " frames);"
                    + " this source's alert windows must be encoded instead");
        }
        Path tmp = scratchFile(scratch, "clip-");
        try {
            mux(tap, packets, tmp);
            return readBack(tmp, first, frames, tap.frameRate());
        } finally {
            deleteScratch(tmp);
        }
    }

    /** The MP4 written to {@code tmp}, as a clip of frames {@code first …} (+{@code frames}). */
    static Clip readBack(Path tmp, long first, int frames, double frameRateHz) {
        try {
            byte[] bytes = Files.readAllBytes(tmp);
            return new Clip(bytes, EvidenceStore.sha256Hex(bytes), first, frames, frameRateHz);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read back the evidence clip " + tmp, e);
        }
    }

    static void deleteScratch(Path tmp) {
        try {
            Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
            // a scratch file in the edge's own directory; the next cut does not depend on it
        }
    }

    private static void mux(PacketTap tap, List<PacketRing.Packet> packets, Path out) {
        AVFormatContext oc = new AVFormatContext(null);
        check(avformat_alloc_output_context2(oc, null, "mp4", out.toString()), "open the MP4 muxer");
        AVPacket pkt = av_packet_alloc();
        AVDictionary opts = new AVDictionary(null);
        boolean opened = false;
        try {
            AVStream st = avformat_new_stream(oc, null);
            if (st == null) {
                throw new ClipException("FFmpeg could not add a video stream to an evidence clip");
            }
            check(avcodec_parameters_copy(st.codecpar(), tap.codecParameters()), "copy the codec parameters");
            // The source container's tag may not be MP4's (e.g. an AVI's fourcc); the muxer picks its own.
            st.codecpar().codec_tag(0);
            AVRational in = tap.timeBase();
            st.time_base(in);
            AVIOContext pb = new AVIOContext(null);
            check(avio_open(pb, out.toString(), AVIO_FLAG_WRITE), "open " + out);
            oc.pb(pb);
            opened = true;
            av_dict_set(opts, "movflags", "+faststart", 0);
            check(avformat_write_header(oc, opts), "write the MP4 header");
            long origin = packets.get(0).dts;
            for (PacketRing.Packet p : packets) {
                check(av_new_packet(pkt, p.data.length), "allocate a packet");
                pkt.data().capacity(p.data.length).put(p.data);
                pkt.pts(p.pts - origin);
                pkt.dts(p.dts - origin);
                pkt.duration(p.duration);
                pkt.flags(p.key ? AV_PKT_FLAG_KEY : 0);
                pkt.stream_index(0);
                av_packet_rescale_ts(pkt, in, st.time_base());
                // Takes the packet's reference (and unrefs it), success or not.
                check(av_interleaved_write_frame(oc, pkt), "write a packet");
            }
            check(av_write_trailer(oc), "write the MP4 index");
        } finally {
            av_dict_free(opts);
            av_packet_free(pkt);
            if (opened) {
                avio_closep(oc.pb());
            }
            avformat_free_context(oc);
        }
    }

    private static void check(int err, String what) {
        if (err < 0) {
            throw new ClipException("FFmpeg could not " + what + " for an evidence clip: " + ffmpegError(err));
        }
    }

    static String ffmpegError(int code) {
        try (BytePointer buf = new BytePointer(256)) {
            buf.fill(0);
            if (av_strerror(code, buf, 256) == 0) {
                String t = buf.getString();
                int nul = t.indexOf('\0');
                return (nul >= 0 ? t.substring(0, nul) : t) + " (error " + code + ")";
            }
            return "error " + code;
        }
    }
}
