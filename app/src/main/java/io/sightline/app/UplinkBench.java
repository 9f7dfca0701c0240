package io.sightline.app;

import io.sightline.app.run.LocalRun;
import io.sightline.domain.event.SightlineEvent;
import io.sightline.domain.ingest.BinaryBatch;
import io.sightline.domain.ingest.EventCodec;
import io.sightline.inference.ProjectHome;
import io.sightline.runtime.AssumedDrive;
import io.sightline.runtime.EdgePipeline;
import io.sightline.runtime.RunReport;
import io.sightline.uplink.journal.EdgeJournal;
import io.sightline.uplink.tier.TierSelector;
import io.sightline.uplink.tier.UploadTiers;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sightline bench uplink}: what the upload tiers (ADR-0027) send of a one-hour drive, per
 * tier, against the 20 MB per driving hour target, and whether every alert's causal window went up
 * in full.
 *
 * <p>The hour is made of the bundled clips, each run once through the real edge pipeline (decoder,
 * detector, tracker, policy, journal), every frame, with each event placed at its frame's capture
 * time in the clip (or paced in real time with {@code --realtime}), and then looped: the two Udacity clips in turn, with the
 * hazard clip (an FCW approach that alerts) played every {@code --hazard-every-minutes}. Each play
 * is the recorded events of its clip shifted in time; only the first play keeps its session start
 * and model activation and only the last its session end, as one drive would. Event ids repeat
 * between plays (they do not change any size) and window summaries are the clips' own, one per play,
 * which is more than a real hour's sixty. The selection is the uploader's own {@link TierSelector}
 * over the whole hour, which decides exactly as the live uploader does once every event is settled.
 */
@Command(name = "uplink", mixinStandardHelpOptions = true,
        description = {"Bytes and events per upload tier of a one-hour drive looped from the bundled clips,",
                "MB per driving hour against the 20 MB target, and the share of alerts whose causal window went up in full."})
public final class UplinkBench implements Callable<Integer> {

    static final double TARGET_MB_PER_HOUR = 20.0;
    static final String HAZARD_CLIP = "samples/sightline_fcw_slower_lead_960x540.mp4";
    static final List<String> ORDINARY_CLIPS = List.of("samples/udacity_ll_solidWhiteRight.mp4", "samples/udacity_vd_test_video.mp4");
    /** Played once per drive, not once per looped clip. */
    static final Set<String> ONCE_PER_DRIVE = Set.of("DriveSessionStarted", "ModelActivated", "DriveSessionEnded");

    @Option(names = "--model", defaultValue = "yolox-nano", description = "Detector the clips are run with (default ${DEFAULT-VALUE}, as run).")
    String model;

    @Option(names = "--threads", defaultValue = "1", description = "ONNX Runtime intra-op threads (default ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--hours", defaultValue = "1", description = "Driving hours to loop (default ${DEFAULT-VALUE}).")
    double hours;

    @Option(names = "--hazard-every-minutes", defaultValue = "15",
            description = "Play the alerting hazard clip once every this many minutes (default ${DEFAULT-VALUE}: 4 per hour).")
    double hazardEveryMinutes;

    @Option(names = "--near-miss-margin", defaultValue = "0.15", description = "Near-miss margin (default ${DEFAULT-VALUE}).")
    double nearMissMargin;

    @Option(names = "--sample-share", defaultValue = "0.02", description = "Share of driving time sampled in full (default ${DEFAULT-VALUE}).")
    double sampleShare;

    @Option(names = "--seed", defaultValue = "1", description = "Sample seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--realtime", description = {"Record the clips paced at their frame rate with latest-wins, keeping this machine's",
            "drops and deadline misses. Default: every frame, as a vehicle that keeps up, timed by the clip's own frame times",
            "(the larger and load-independent figure)."})
    boolean realtime;

    /** One recorded clip: its events with times relative to its first event. */
    record Clip(String path, long durationNanos, List<Rec> events, long alerts) {
    }

    record Rec(String type, long relNanos, String wireJson, long wireBytes, long sequenceDigits, boolean trigger, boolean alert) {
    }

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        UploadTiers tiers = new UploadTiers(nearMissMargin, sampleShare, UploadTiers.defaults().sampleWindowNanos(), seed);
        List<Clip> ordinary = new ArrayList<>();
        for (String path : ORDINARY_CLIPS) {
            ordinary.add(record(path, tiers, out));
        }
        Clip hazard = record(HAZARD_CLIP, tiers, out);

        long hourNanos = Math.round(hours * 3600e9);
        long hazardEvery = Math.round(hazardEveryMinutes * 60e9);
        List<Clip> plays = new ArrayList<>();
        List<Long> offsets = new ArrayList<>();
        long t = 0;
        long nextHazard = hazardEvery / 2;
        int next = 0;
        while (t < hourNanos) {
            Clip c;
            if (hazardEveryMinutes > 0 && t >= nextHazard) {
                c = hazard;
                nextHazard += hazardEvery;
            } else {
                c = ordinary.get(next++ % ordinary.size());
            }
            plays.add(c);
            offsets.add(t);
            t += c.durationNanos();
        }
        long driveNanos = t;
        long t0 = 1_765_000_000_000_000_000L;
        String sessionId = "bench-uplink";

        // Pass 1: the safety windows, as the journal records them (merged when they overlap).
        List<long[]> windows = new ArrayList<>();
        forEachEvent(plays, offsets, t0, (rec, at, seq) -> {
            if (rec.trigger()) {
                long from = at - UploadTiers.WINDOW_BEFORE_NANOS;
                long to = at + UploadTiers.WINDOW_AFTER_NANOS;
                long[] last = windows.isEmpty() ? null : windows.get(windows.size() - 1);
                if (last != null && from <= last[1]) {
                    last[1] = Math.max(last[1], to);
                } else {
                    windows.add(new long[] {from, to});
                }
            }
        });
        TierSelector.Windows safety = nanos -> {
            int lo = 0;
            int hi = windows.size() - 1;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                long[] w = windows.get(mid);
                if (nanos < w[0]) {
                    hi = mid - 1;
                } else if (nanos > w[1]) {
                    lo = mid + 1;
                } else {
                    return TierSelector.Tier.SAFETY;
                }
            }
            return null;
        };

        // Pass 2: the uploader's selection over the settled hour.
        TierSelector selector = new TierSelector(tiers, sessionId, t0, safety, Long.MAX_VALUE, true);
        Map<String, long[]> perTier = new LinkedHashMap<>();
        for (String k : List.of("SAFETY", "SUMMARY", "SAMPLE", "GAP")) {
            perTier.put(k, new long[2]);
        }
        Map<String, long[]> summaryTypes = new java.util.TreeMap<>();
        long[] fullUpload = new long[2];
        PerType perType = new PerType();
        List<Long> alertTimes = new ArrayList<>();
        WireBatches deflate = new WireBatches();
        EventCodec codec = new EventCodec();
        int[] consumed = {0};
        forEachEvent(plays, offsets, t0, (rec, at, seq) -> {
            long bytes = rec.wireBytes() - rec.sequenceDigits() + digits(seq);
            fullUpload[0]++;
            fullUpload[1] += bytes;
            perType.add(rec.type(), rec.wireJson());
            if (rec.alert()) {
                alertTimes.add(at);
            }
            selector.offer(new EdgeJournal.StoredEvent(seq, "", at, rec.wireJson(), rec.type()));
            if (rec.type().equals("FrameCaptured")) {
                // The live uploader wakes on each journaled frame, so inside a window a batch is about one frame.
                deflate.flush();
            }
            consumed[0] = drain(selector, consumed[0], perTier, summaryTypes, sessionId, codec, deflate);
        });
        selector.endOfSession();
        drain(selector, consumed[0], perTier, summaryTypes, sessionId, codec, deflate);
        deflate.flush();

        // An alert is fully traced when no declared gap touches its causal window.
        List<long[]> gaps = new ArrayList<>();
        for (TierSelector.Item item : selector.items()) {
            if (item.isGap()) {
                gaps.add(new long[] {item.gap().fromNanos(), item.gap().toNanos()});
            }
        }
        long traced = alertTimes.stream().filter(a -> gaps.stream()
                .noneMatch(g -> g[1] >= a - UploadTiers.WINDOW_BEFORE_NANOS && g[0] <= a + UploadTiers.WINDOW_AFTER_NANOS)).count();

        double driveHours = driveNanos / 3600e9;
        long totalEvents = 0;
        long totalBytes = 0;
        out.println();
        out.printf(Locale.ROOT, "Drive: %.2f h looped from the bundled clips (%d plays: %s), %d alerts, %d safety windows covering %.1f %% of the time%n",
                driveHours, plays.size(), playSummary(plays), alertTimes.size(), windows.size(),
                100.0 * windows.stream().mapToLong(w -> w[1] - w[0]).sum() / driveNanos);
        out.printf(Locale.ROOT, "Tiers: near-miss margin %.2f, sample %.1f %% of %d s windows, seed %d%n", tiers.nearMissMargin(),
                tiers.sampleShare() * 100, tiers.sampleWindowNanos() / 1_000_000_000L, tiers.sampleSeed());
        out.println();
        out.printf(Locale.ROOT, "%-22s %12s %14s %12s%n", "tier", "events", "bytes", "MB/hour");
        for (Map.Entry<String, long[]> e : perTier.entrySet()) {
            String label = e.getKey().equals("GAP") ? "gap declarations" : e.getKey().toLowerCase(Locale.ROOT);
            long events = e.getValue()[0];
            out.printf(Locale.ROOT, "%-22s %12d %14d %12.2f%n", label, events, e.getValue()[1], e.getValue()[1] / 1e6 / driveHours);
            totalEvents += events;
            totalBytes += e.getValue()[1];
        }
        double mbPerHour = totalBytes / 1e6 / driveHours;
        out.printf(Locale.ROOT, "%-22s %12d %14d %12.2f%n", "uploaded (JSON)", totalEvents, totalBytes, mbPerHour);
        out.printf(Locale.ROOT, "%-22s %12d %14d %12.2f%n", "full upload (JSON)", fullUpload[0], fullUpload[1], fullUpload[1] / 1e6 / driveHours);
        out.println();
        out.printf(Locale.ROOT, "Wire formats of the tiered upload: %d batch bodies (signed head included) as the uploader sends them, %d events%n",
                deflate.batches, deflate.events);
        out.printf(Locale.ROOT, "%-28s %14s %12s %10s %10s%n", "body", "bytes", "MB/hour", "B/event", "vs JSON");
        for (int i = 0; i < WireBatches.NAMES.length; i++) {
            out.printf(Locale.ROOT, "%-28s %14d %12.2f %10.1f %9.2fx%n", WireBatches.NAMES[i], deflate.bytes[i], deflate.bytes[i] / 1e6 / driveHours,
                    (double) deflate.bytes[i] / Math.max(1, deflate.events), (double) deflate.bytes[0] / Math.max(1, deflate.bytes[i]));
        }
        out.printf(Locale.ROOT, "Edge CPU to encode (this JVM, one thread): JSON + deflate %.2f us/event, CBOR + zstd %.2f us/event%n",
                deflate.jsonDeflateNanos / 1e3 / Math.max(1, deflate.events), deflate.binaryEncodeNanos / 1e3 / Math.max(1, deflate.events));
        out.println();
        perType.flush();
        out.println("Bytes per event by type, the hour's events in batches of 2,000 consecutive events: JSON as today (every event),");
        out.println("deflated JSON (--deflate), CBOR, and CBOR + zstd (--binary); the last three marginally (a batch");
        out.println("encoded with the type's events minus without them), over each type's first batches up to 20,000 of its events:");
        out.printf(Locale.ROOT, "%-24s %10s %10s %10s %12s %10s %14s %8s%n", "type", "events", "measured", "JSON B/ev", "deflate B/ev",
                "CBOR B/ev", "CBOR+zstd B/ev", "vs defl");
        perType.totals.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1])).forEach(e -> {
            long n = e.getValue()[0];
            double json = (double) e.getValue()[1] / n;
            long[] m = perType.marginal.getOrDefault(e.getKey(), new long[PerType.VARIANTS]);
            long k = Math.max(1, perType.measured.getOrDefault(e.getKey(), 0L));
            double z = (double) m[0] / k;
            double cbor = (double) m[1] / k;
            double bin = (double) m[2] / k;
            out.printf(Locale.ROOT, "%-24s %10d %10d %10.0f %12.1f %10.1f %14.1f %7.2fx%n", e.getKey(), n, k, json, z, cbor, bin,
                    z / Math.max(bin, 1e-9));
        });
        out.println();
        out.print("Summary tier by type:");
        summaryTypes.forEach((k, v) -> out.printf(Locale.ROOT, " %s %d (%.2f MB/h);", k, v[0], v[1] / 1e6 / driveHours));
        out.println();
        double share = alertTimes.isEmpty() ? 1.0 : (double) traced / alertTimes.size();
        out.printf(Locale.ROOT, "Alerts with their full causal window uploaded: %d of %d (%.1f %%)%n", traced, alertTimes.size(), share * 100);
        double wireMbPerHour = deflate.bytes[WireBatches.BINARY] / 1e6 / driveHours;
        double deflatedMbPerHour = deflate.bytes[WireBatches.DEFLATED] / 1e6 / driveHours;
        boolean ok = wireMbPerHour <= TARGET_MB_PER_HOUR && traced == alertTimes.size();
        out.printf(Locale.ROOT, "%s: %.2f MB per driving hour on the wire (tiers + --binary; %.2f MB with --deflate, %.2f MB as plain JSON;"
                        + " target <= %.0f MB), %.1f %% of alerts fully traced (target 100 %%)%n",
                ok ? "PASS" : "MISS", wireMbPerHour, deflatedMbPerHour, mbPerHour, TARGET_MB_PER_HOUR, share * 100);
        return ok ? 0 : 1;
    }

    /** Counts newly decided items; returns how many items have been counted. */
    private static int drain(TierSelector selector, int from, Map<String, long[]> perTier, Map<String, long[]> summaryTypes,
                             String sessionId, EventCodec codec, WireBatches deflate) {
        List<TierSelector.Item> items = selector.items();
        for (int i = from; i < items.size(); i++) {
            TierSelector.Item item = items.get(i);
            if (item.isGap()) {
                String json = TierSelector.wire(sessionId, item.gap(), codec).wireJson();
                long[] c = perTier.get("GAP");
                c[0]++;
                c[1] += json.length();
                deflate.add(json, true);
            } else {
                long[] c = perTier.get(item.tier().name());
                long bytes = item.event().wireJson().length() - digits(Long.parseLong(sequenceOf(item.event().wireJson())))
                        + digits(item.event().sequence());
                c[0]++;
                c[1] += bytes;
                if (item.tier() == TierSelector.Tier.SUMMARY) {
                    long[] t = summaryTypes.computeIfAbsent(item.event().type(), k -> new long[2]);
                    t[0]++;
                    t[1] += bytes;
                }
                deflate.add(item.event().wireJson(), false);
            }
        }
        return items.size();
    }

    /**
     * Compressed and CBOR bytes per event type, marginally: for each batch, what it encodes to with
     * the type's events minus without them. Marginal sizes do not add up to the batch's size (what
     * two types share is counted for neither), but unlike a pro-rata share they tell the types apart.
     * Variants: JSON deflated (today's {@code --deflate}), CBOR, and that CBOR
     * zstd-compressed (the binary body, ADR-0030).
     */
    private static final class PerType {
        static final int VARIANTS = 3;
        static final long MEASURED_PER_TYPE = 20_000;
        final Map<String, Long> measured = new java.util.HashMap<>();
        final Map<String, long[]> totals = new java.util.TreeMap<>();
        final Map<String, long[]> marginal = new java.util.HashMap<>();
        final List<String[]> batch = new ArrayList<>();

        void add(String type, String json) {
            long[] t = totals.computeIfAbsent(type, k -> new long[2]);
            t[0]++;
            t[1] += json.length();
            batch.add(new String[] {type, json});
            if (batch.size() >= 2_000) {
                flush();
            }
        }

        void flush() {
            if (batch.isEmpty()) {
                return;
            }
            // The hour loops three clips, so a type's figure settles within a few batches: each type is measured over
            // its first MEASURED_PER_TYPE events (every batch that holds any, for the rare ones) rather than the whole hour,
            // which took a quarter of an hour of CPU to re-encode 16 times per batch.
            Map<String, Integer> inBatch = new java.util.TreeMap<>();
            batch.forEach(e -> inBatch.merge(e[0], 1, Integer::sum));
            List<String> due = inBatch.keySet().stream()
                    .filter(t -> measured.getOrDefault(t, 0L) < MEASURED_PER_TYPE).toList();
            if (!due.isEmpty()) {
                long[] all = sizes(null);
                for (String type : due) {
                    long[] without = sizes(type);
                    long[] m = marginal.computeIfAbsent(type, k -> new long[VARIANTS]);
                    for (int i = 0; i < VARIANTS; i++) {
                        m[i] += all[i] - without[i];
                    }
                    measured.merge(type, (long) inBatch.get(type), Long::sum);
                }
            }
            batch.clear();
        }

        private long[] sizes(String without) {
            StringBuilder json = new StringBuilder("[");
            List<String> rows = new ArrayList<>(batch.size());
            for (String[] e : batch) {
                if (!e[0].equals(without)) {
                    json.append(json.length() == 1 ? "" : ",").append(e[1]);
                    rows.add(e[1]);
                }
            }
            byte[] cbor = rows.isEmpty() ? new byte[0] : BinaryBatch.eventsCbor(rows);
            return new long[] {
                io.sightline.domain.ingest.BatchCompression.deflate(json.append(']').toString().getBytes(StandardCharsets.UTF_8)).length,
                cbor.length,
                rows.isEmpty() ? 0 : BinaryBatch.zstd(cbor).length};
        }
    }

    /**
     * Whole batch bodies as each wire format sends them (a signed head and the events): a batch ends
     * at 2,000 events, after a gap, or at the next frame. {@link #DEFLATED} is {@code --deflate}'s body,
     * {@link #BINARY} {@code --binary}'s (ADR-0030), built by the real encoder and head; the others are the
     * alternatives ADR-0030 weighs.
     */
    private static final class WireBatches {
        static final String[] NAMES = {"JSON", "JSON + deflate (--deflate)", "JSON + zstd", "CBOR", "CBOR + deflate",
                "CBOR with stringrefs + zstd", "CBOR + zstd (--binary)"};
        static final int DEFLATED = 1;
        static final int BINARY = 6;
        static final String HEAD = "{\"batchId\":\"5f0c2a0e-6a53-4f7e-9d7e-3f2f2f0b8c11\",\"deviceId\":\"edge-01\",\"sessionId\":"
                + "\"2026-12-07T05-00-00Z-1a2b3c\",\"firstSequence\":1234567,\"signature\":\""
                + "q3Jf1V0v8mWc0bq4m7o3m0q9xw2l8hV8p8YjJc3l6h2b2z0p0q8Yb3m9nV3dF0cQ5b7e2e8a1c4d6f9h0j2k4m6n8p==\","
                + "\"signatureVersion\":2,\"events\":";
        static final com.fasterxml.jackson.dataformat.cbor.CBORFactory STRINGREF_CBOR = com.fasterxml.jackson.dataformat.cbor.CBORFactory.builder()
                .enable(com.fasterxml.jackson.dataformat.cbor.CBORGenerator.Feature.STRINGREF).build();
        final List<String> rows = new ArrayList<>();
        final long[] bytes = new long[NAMES.length];
        long batches;
        long events;
        long binaryEncodeNanos;
        long jsonDeflateNanos;

        void add(String json, boolean endsBatch) {
            rows.add(json);
            if (rows.size() >= 2_000 || endsBatch) {
                flush();
            }
        }

        void flush() {
            if (rows.isEmpty()) {
                return;
            }
            long t0 = System.nanoTime();
            byte[] json = (HEAD + "[" + String.join(",", rows) + "]}").getBytes(StandardCharsets.UTF_8);
            byte[] deflated = io.sightline.domain.ingest.BatchCompression.deflate(json);
            long t1 = System.nanoTime();
            byte[] cbor = BinaryBatch.eventsCbor(rows);
            byte[] zstd = BinaryBatch.zstd(cbor);
            byte[] body = BinaryBatch.encode(new BinaryBatch.Envelope("5f0c2a0e-6a53-4f7e-9d7e-3f2f2f0b8c11", "edge-01",
                    "2026-12-07T05-00-00Z-1a2b3c", 1_234_567, 3, new byte[64], BinaryBatch.COMPRESSION_ZSTD, rows.size(), cbor.length, zstd));
            long t2 = System.nanoTime();
            int head = body.length - zstd.length;
            jsonDeflateNanos += t1 - t0;
            binaryEncodeNanos += t2 - t1;
            bytes[0] += json.length;
            bytes[DEFLATED] += deflated.length;
            bytes[2] += BinaryBatch.zstd(json).length;
            bytes[3] += head + cbor.length;
            bytes[4] += head + io.sightline.domain.ingest.BatchCompression.deflate(cbor).length;
            bytes[5] += head + BinaryBatch.zstd(stringrefCbor(rows)).length;
            bytes[BINARY] += body.length;
            batches++;
            events += rows.size();
            rows.clear();
        }

        private static byte[] stringrefCbor(List<String> rows) {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            try (var g = STRINGREF_CBOR.createGenerator(out); var f = new com.fasterxml.jackson.core.JsonFactory().createParser("[" + String.join(",", rows) + "]")) {
                f.nextToken();
                g.copyCurrentStructure(f);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return out.toByteArray();
        }
    }

    @FunctionalInterface
    interface EventVisitor {
        void visit(Rec rec, long atNanos, long sequence);
    }

    private static void forEachEvent(List<Clip> plays, List<Long> offsets, long t0, EventVisitor visitor) {
        long seq = 0;
        for (int p = 0; p < plays.size(); p++) {
            boolean first = p == 0;
            boolean last = p == plays.size() - 1;
            for (Rec rec : plays.get(p).events()) {
                if (ONCE_PER_DRIVE.contains(rec.type())) {
                    boolean keep = rec.type().equals("DriveSessionEnded") ? last : first;
                    if (!keep) {
                        continue;
                    }
                }
                visitor.visit(rec, t0 + offsets.get(p) + rec.relNanos(), seq++);
            }
        }
    }

    private static String playSummary(List<Clip> plays) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (Clip c : plays) {
            counts.merge(Path.of(c.path()).getFileName().toString(), 1, Integer::sum);
        }
        StringBuilder s = new StringBuilder();
        counts.forEach((k, v) -> s.append(s.length() == 0 ? "" : ", ").append(v).append("x ").append(k));
        return s.toString();
    }

    private static long digits(long v) {
        return Long.toString(v).length();
    }

    private static String sequenceOf(String wireJson) {
        int i = wireJson.indexOf("\"sequence\":") + 11;
        int j = i;
        while (j < wireJson.length() && Character.isDigit(wireJson.charAt(j))) {
            j++;
        }
        return wireJson.substring(i, j);
    }

    /** Runs the clip once through the real edge pipeline and keeps its journaled events. */
    private Clip record(String clip, UploadTiers tiers, PrintStream out) throws Exception {
        Path video = ProjectHome.get().resolve(clip);
        Path dir = Files.createTempDirectory("sightline-bench-uplink");
        try {
            // Every frame by default: on a loaded machine real-time pacing drops half the frames and with them half the
            // bytes, so the figure would depend on the load. --realtime keeps this machine's drops and misses instead.
            EdgePipeline.Options options = new EdgePipeline.Options(video.toString(), model, null, realtime, realtime ? null : false,
                    AssumedDrive.EGO_SPEED_MPS, threads, 0, LocalRun.FLEET_ID, LocalRun.VEHICLE_ID, LocalRun.DEVICE_ID, "bench");
            try (EdgeJournal journal = EdgeJournal.open(dir.resolve("journal.db"), EdgePipeline.JOURNAL_BUDGET_BYTES);
                 EdgePipeline pipeline = EdgePipeline.open(options)) {
                RunReport report = pipeline.run(journal, EdgePipeline.ProgressListener.NONE);
                List<EdgeJournal.StoredEvent> events = journal.read(report.sessionId(), 0, Integer.MAX_VALUE, Long.MAX_VALUE);
                EventCodec codec = new EventCodec();
                long first = events.get(0).occurredAtNanos();
                List<Rec> recs = new ArrayList<>(events.size());
                long alerts = 0;
                // Driving time: each event at its frame's capture time in the clip (events follow their frame), so the
                // hour holds as many frames as an hour of the clip, however fast this machine processed them.
                long firstCapture = Long.MIN_VALUE;
                long frameRel = 0;
                long frameAt = first;
                for (EdgeJournal.StoredEvent e : events) {
                    long rel;
                    if ("FrameCaptured".equals(e.type())) {
                        long capture = codec.mapper().readTree(e.wireJson()).path("payload").path("captureTimeNanos").asLong();
                        if (firstCapture == Long.MIN_VALUE) {
                            firstCapture = capture;
                        }
                        frameRel = capture - firstCapture;
                        frameAt = e.occurredAtNanos();
                    }
                    rel = realtime ? e.occurredAtNanos() - first : frameRel + Math.max(0, Math.min(e.occurredAtNanos() - frameAt, 1_000_000L));
                    boolean trigger = false;
                    boolean alert = "AlertRaised".equals(e.type());
                    if (alert || "AlertSuppressed".equals(e.type()) || "RiskAssessed".equals(e.type())) {
                        SightlineEvent payload = codec.decode(codec.mapper().readTree(e.wireJson())).payload();
                        trigger = tiers.opensWindow(payload);
                    }
                    alerts += alert ? 1 : 0;
                    recs.add(new Rec(e.type(), rel, e.wireJson(), e.wireJson().getBytes(StandardCharsets.UTF_8).length,
                            digits(e.sequence()), trigger, alert));
                }
                // Decision times are the session start plus the frame's stream time (ADR-0017), so a play lasts as long as
                // its clip; events that carry the edge's clock (the session's end) are clamped to it.
                long frames = Math.max(1, report.framesCaptured());
                long lastFrame = recs.stream().filter(r -> r.type().equals("FrameCaptured")).mapToLong(Rec::relNanos).max().orElse(0);
                long duration = lastFrame + Math.max(1, lastFrame / Math.max(1, frames - 1));
                recs.replaceAll(r -> r.relNanos() < duration ? r : new Rec(r.type(), duration - 1, r.wireJson(), r.wireBytes(),
                        r.sequenceDigits(), r.trigger(), r.alert()));
                out.printf(Locale.ROOT, "Recorded %s: %d frames, %.1f s, %d events, %.2f MB of event JSON, %d alerts, %d window triggers%n",
                        clip, report.framesCaptured(), duration / 1e9, events.size(),
                        recs.stream().mapToLong(Rec::wireBytes).sum() / 1e6, alerts, recs.stream().filter(Rec::trigger).count());
                return new Clip(clip, duration, recs, alerts);
            }
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
