package io.sightline.runtime.clip;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

/**
 * The source's own compressed video packets (ADR-0037), in decode order, bounded in bytes: the
 * material alert clips are cut from, with no re-encode. Over budget it forgets whole groups of
 * pictures, oldest first, so what it holds always starts at a keyframe and every packet it holds
 * can still be decoded.
 *
 * <p>Each packet carries its <em>presentation</em> index in the source: the index of the decoded
 * frame it turns into, which is what the pipeline's {@code FrameCaptured.frameIndex} counts. With
 * B-frames, decode and presentation order differ; within a closed group of pictures (an IDR
 * keyframe and what follows it up to the next one) the presentation index is the keyframe's
 * index plus the packet's rank by pts in its group. A group's ranks are final once the next
 * keyframe arrived; for the open, newest group they are final for every packet whose pts is
 * below every packet still to come ({@link #settle}).
 *
 * <p>Not thread-safe: one thread fills and cuts (the clip stage's).
 */
public final class PacketRing {

    /**
     * A packet: its bytes (copied from FFmpeg's buffer), timestamps in the source stream's time
     * base, and {@code presentationIndex} (-1 until its group is ranked).
     */
    public static final class Packet {
        final byte[] data;
        final long pts;
        final long dts;
        final long duration;
        final boolean key;
        long presentationIndex = -1;

        Packet(byte[] data, long pts, long dts, long duration, boolean key) {
            this.data = data;
            this.pts = pts;
            this.dts = dts;
            this.duration = duration;
            this.key = key;
        }

        public long presentationIndex() {
            return presentationIndex;
        }

        public boolean key() {
            return key;
        }

        public long pts() {
            return pts;
        }

        public int sizeBytes() {
            return data.length;
        }
    }

    private final long budgetBytes;
    /** Groups of pictures, oldest first; each starts with a keyframe (except a stream joined mid-group, which is dropped). */
    private final ArrayDeque<List<Packet>> groups = new ArrayDeque<>();
    private long heldBytes;
    /** Presentation index of the next group's keyframe = video packets seen so far (every packet is one frame). */
    private long packetsSeen;
    private long packetsForgotten;
    private long groupsForgotten;
    private long droppedBeforeFirstKey;

    public PacketRing(long budgetBytes) {
        if (budgetBytes <= 0) {
            throw new IllegalArgumentException("the packet ring's budget must be > 0 bytes, got " + budgetBytes);
        }
        this.budgetBytes = budgetBytes;
    }

    /**
     * Adds the next video packet in decode order.
     *
     * @return false when it was not kept: a stream joined mid-group has nothing to decode it from
     *         before its first keyframe
     */
    public boolean add(byte[] data, long pts, long dts, long duration, boolean key) {
        long index = packetsSeen++;
        if (key) {
            if (!groups.isEmpty()) {
                rank(groups.peekLast());
            }
            Packet p = new Packet(data, pts, dts, duration, true);
            p.presentationIndex = index;
            List<Packet> g = new ArrayList<>();
            g.add(p);
            groups.addLast(g);
        } else if (groups.isEmpty()) {
            droppedBeforeFirstKey++;
            return false;
        } else {
            groups.peekLast().add(new Packet(data, pts, dts, duration, false));
        }
        heldBytes += data.length;
        // Never forget the newest group: it is what is being filled, and it may be the only one.
        while (heldBytes > budgetBytes && groups.size() > 1) {
            List<Packet> old = groups.pollFirst();
            for (Packet p : old) {
                heldBytes -= p.data.length;
            }
            packetsForgotten += old.size();
            groupsForgotten++;
        }
        return true;
    }

    /** Gives each packet of a group its presentation index: the keyframe's plus its rank by pts. */
    private static void rank(List<Packet> group) {
        long base = group.get(0).presentationIndex;
        Packet[] byPts = group.toArray(new Packet[0]);
        Arrays.sort(byPts, (a, b) -> Long.compare(a.pts, b.pts));
        for (int i = 0; i < byPts.length; i++) {
            byPts[i].presentationIndex = base + i;
        }
    }

    /**
     * Ranks the newest group as it stands: call when no packet with a lower pts can still come (the
     * source ended, or enough packets were read past the frames wanted, see {@link ClipCutter}).
     */
    public void settle() {
        if (!groups.isEmpty()) {
            rank(groups.peekLast());
        }
    }

    /** The packets from the last keyframe at or before presentation index {@code first}, in decode order, through the last
     * packet (in decode order) whose presentation index is at most {@code last}. Empty when the ring no longer holds a
     * keyframe at or before {@code first} (forgotten: over budget) or nothing of the range. Call {@link #settle} first. */
    public List<Packet> range(long first, long last) {
        List<Packet> out = new ArrayList<>();
        boolean started = false;
        Iterator<List<Packet>> it = groups.descendingIterator();
        List<List<Packet>> chosen = new ArrayList<>();
        // The group whose keyframe is the last one at or before `first`, and every later group up to `last`.
        while (it.hasNext()) {
            List<Packet> g = it.next();
            long keyIndex = g.get(0).presentationIndex;
            if (keyIndex <= last) {
                chosen.add(0, g);
            }
            if (keyIndex <= first) {
                started = true;
                break;
            }
        }
        if (!started) {
            return out;
        }
        for (List<Packet> g : chosen) {
            out.addAll(g);
        }
        int end = -1;
        for (int i = 0; i < out.size(); i++) {
            if (out.get(i).presentationIndex >= 0 && out.get(i).presentationIndex <= last) {
                end = i;
            }
        }
        return new ArrayList<>(out.subList(0, end + 1));
    }

    /** Presentation index of the oldest keyframe held, or -1 when empty. */
    public long oldestKeyIndex() {
        return groups.isEmpty() ? -1 : groups.peekFirst().get(0).presentationIndex;
    }

    public long heldBytes() {
        return heldBytes;
    }

    public long budgetBytes() {
        return budgetBytes;
    }

    /** Video packets read from the source so far (the presentation index the next keyframe would get). */
    public long packetsSeen() {
        return packetsSeen;
    }

    public long packetsForgotten() {
        return packetsForgotten;
    }

    public long groupsForgotten() {
        return groupsForgotten;
    }

    public long droppedBeforeFirstKey() {
        return droppedBeforeFirstKey;
    }
}
