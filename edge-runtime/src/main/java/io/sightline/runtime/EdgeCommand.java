package io.sightline.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sightline.runtime.telemetry.EdgeTelemetry;
import io.sightline.domain.event.AlertRaised;
import io.sightline.domain.ingest.BatchCanonicalForm;
import io.sightline.domain.ingest.EventCodec;
import io.sightline.inference.ProjectHome;
import io.sightline.uplink.evidence.EvidenceStore;
import io.sightline.uplink.evidence.EvidenceTransport;
import io.sightline.uplink.evidence.EvidenceUploader;
import io.sightline.uplink.evidence.HttpEvidenceTransport;
import io.sightline.uplink.journal.EdgeJournal;
import io.sightline.uplink.sign.BatchSigner;
import io.sightline.uplink.sign.DeviceIdentity;
import io.sightline.uplink.sign.EvidenceSigner;
import io.sightline.uplink.transport.HttpUplinkTransport;
import io.sightline.uplink.tier.UploadTiers;
import io.sightline.uplink.transport.MqttUplinkTransport;
import io.sightline.uplink.transport.WindowAnswer;
import io.sightline.uplink.transport.UplinkTransport;
import io.sightline.uplink.upload.Uploader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./sightline edge}: the edge runtime alone, uploading to a remote cloud over HTTP or MQTT,
 * as a vehicle would run it. The journal and the device key live in {@code --edge-dir} and survive
 * restarts: whatever a previous run left unacknowledged is sent first.
 */
@Command(name = "edge", mixinStandardHelpOptions = true,
        description = {"Run the edge pipeline on a video and upload to a remote cloud over HTTP or MQTT.",
                "Register the device first: ./sightline edge --print-device-key shows the key and the request."})
public final class EdgeCommand implements Callable<Integer> {

    /** The bundled forward-collision clip (samples/PROVENANCE.md), the default of `edge` and `run`. */
    public static final String DEFAULT_VIDEO = "samples/sightline_fcw_slower_lead_960x540.mp4";

    /** Evidence the edge may keep; as in the all-in-one run. */
    static final long EVIDENCE_BUDGET_BYTES = EdgeDefaults.EVIDENCE_BUDGET_BYTES;

    static final class Uplink {
        @Option(names = "--cloud-url", paramLabel = "URL", description = "Upload over HTTP to this cloud (http://host:8080).")
        String cloudUrl;

        @Option(names = "--mqtt-url", paramLabel = "URL", description = "Upload over MQTT through this broker (tcp://host:1883).")
        String mqttUrl;
    }

    @Option(names = "--evidence-form", defaultValue = "clip", paramLabel = "clip|jpeg",
            description = "clip: the source's own video, one MP4 per alert window, remuxed from a file's packets (ADR-0037) or, for a"
                    + " camera, stream or codec MP4 does not carry, encoded once from the decoded frames (ADR-0041), with a still JPEG"
                    + " of each alert's deciding frame; jpeg: a JPEG of every frame with the boxes drawn (ADR-0008)"
                    + " (default: ${DEFAULT-VALUE}).")
    String evidenceForm = "clip";

    @Option(names = "--mqtt-topic-root", defaultValue = "sightline", paramLabel = "LEVEL",
            description = "First MQTT topic level; must match the cloud's sightline.ingest.mqtt.topic-root (default ${DEFAULT-VALUE}).")
    String mqttTopicRoot;

    @ArgGroup(exclusive = false, multiplicity = "0..1")
    Uplink uplink = new Uplink();

    @Option(names = "--video", paramLabel = "FILE|URL", description = "Video file, stream URL or /dev/video*; default: the bundled clip.")
    String video;

    @Option(names = "--model", defaultValue = "yolox-nano", description = "Primary detector (default ${DEFAULT-VALUE}; FastestDet is the fallback).")
    String model;

    @Option(names = "--realtime", description = "Pace a file at its frame rate (frames are latest-wins under overload).")
    boolean realtime;

    @Option(names = "--max-frames", defaultValue = "0", paramLabel = "N", description = "Stop after N frames (0 = all).")
    long maxFrames;

    @Option(names = "--fleet", defaultValue = EdgeDefaults.FLEET_ID, description = "Fleet of this vehicle (default ${DEFAULT-VALUE}).")
    String fleetId;

    @Option(names = "--vehicle", defaultValue = EdgeDefaults.VEHICLE_ID, description = "Vehicle id (default ${DEFAULT-VALUE}).")
    String vehicleId;

    @Option(names = "--device-id", defaultValue = "edge-01", description = "Device id; its key is <edge-dir>/device-<id>.key (default ${DEFAULT-VALUE}).")
    String deviceId;

    @Option(names = "--edge-dir", paramLabel = "DIR", description = "Journal, evidence and device key (default .sightline/edge-<device-id>).")
    Path edgeDir;

    @Option(names = "--ego-speed-mps", defaultValue = "" + AssumedDrive.EGO_SPEED_MPS,
            description = "Assumed constant ego speed: the bundled clips carry no vehicle signals (default ${DEFAULT-VALUE}).")
    double egoSpeedMps;

    @Option(names = "--signature-version", defaultValue = "2", paramLabel = "1|2",
            description = "Batch signature version: 2 signs a SHA-256 of the events (ADR-0012); 1 for a cloud older than that"
                    + " (default ${DEFAULT-VALUE}).")
    int signatureVersion;
    @Option(names = "--upload", defaultValue = "full", paramLabel = "full|tiered",
            description = "What to upload: full (every event) or tiered (alert and near-miss windows, summaries, a seeded sample,"
                    + " windows the cloud asks for; the rest as declared gaps; the journal keeps everything; docs/uplink.md,"
                    + " ADR-0027). Default ${DEFAULT-VALUE}.")
    String upload;

    @Option(names = "--near-miss-margin", defaultValue = "0.15", paramLabel = "SHARE",
            description = "Tiered: a decision within this share of a threshold of flipping is a near miss (default ${DEFAULT-VALUE}).")
    double nearMissMargin;

    @Option(names = "--sample-share", defaultValue = "0.02", paramLabel = "SHARE",
            description = "Tiered: share of driving time uploaded in full as a sample (default ${DEFAULT-VALUE}).")
    double sampleShare;

    @Option(names = "--sample-seed", defaultValue = "1", description = "Tiered: seed of the sample rule (default ${DEFAULT-VALUE}).")
    long sampleSeed;

    @Option(names = "--deflate", description = "Send batch bodies zlib-compressed (about 4.5x smaller; the cloud must know ADR-0027).")
    boolean deflate;

    @Option(names = "--binary", description = {"Send batch bodies in the binary format: CBOR, zstd, signature version 3 (ADR-0030;",
            "docs/uplink.md). Smaller than --deflate; the cloud must know ADR-0030."})
    boolean binary;

    @Option(names = "--upload-timeout", defaultValue = "120", paramLabel = "SECONDS",
            description = "How long to wait for the cloud to acknowledge everything after the video ends (default ${DEFAULT-VALUE}).")
    long uploadTimeoutSeconds;

    @Option(names = "--print-device-key", description = "Print this device's public key and how to register it, then exit.")
    boolean printDeviceKey;

    @Option(names = "--summary-window", defaultValue = "" + EdgeDefaults.SUMMARY_WINDOW_SECONDS, paramLabel = "SECONDS",
            description = "Journal an EdgeWindowSummarized (latency per stage, picture statistics, detection histograms) per this many"
                    + " seconds of the session; 0 turns summaries off (default ${DEFAULT-VALUE}).")
    double summaryWindowSeconds;

    @Option(names = "--detector-nice", defaultValue = "" + EdgeDefaults.DETECTOR_NICE, paramLabel = "N",
            description = "Nice value of the detector's thread, so that it owns a core while decoding, deciding and journalling share"
                    + " the other (ADR-0039); negative values need CAP_SYS_NICE, without it the detector runs at normal priority and"
                    + " says so; 0 leaves it alone (default ${DEFAULT-VALUE}).")
    int detectorNice;

    @Option(names = "--journal-sync-ms", defaultValue = "" + EdgeDefaults.JOURNAL_SYNC_INTERVAL_MILLIS, paramLabel = "MS",
            description = "Group commit: fsync the journal at most every MS milliseconds; AlertRaised and ActuationCommanded are"
                    + " synced at once; 0 syncs every frame (default ${DEFAULT-VALUE}, ADR-0033).")
    long journalSyncMillis;

    @Option(names = "--applications", split = ",", paramLabel = "NAMES",
            description = "Safety applications to install at this edge (comma-separated: forward-collision, following-distance,"
                    + " vulnerable-road-user, rolling-stop). Default: all of them. One left out can run in the cloud over the uploaded"
                    + " session instead (cloud --applications, docs/safety-apps.md).")
    List<String> applications;

    @Option(names = "--follow-assignment",
            description = "Before the session, read this vehicle's assignment from --cloud-url and run its champion model and policy,"
                    + " downloaded from the registry and verified (sha256, release signature) against --trusted-release-key; one that fails"
                    + " is journaled as ModelRejected or PolicyRejected and the last known good runs. While running, follow it: the"
                    + " retained MQTT message on <root>/<fleet>/<vehicle>/assignment (with --mqtt-url) and an HTTP poll"
                    + " (--assignment-poll-seconds); a new champion model or policy is verified off the detector's thread and the session"
                    + " ends at the next frame, a new one starting on it (docs/rollouts.md, ADR-0035).")
    boolean followAssignment;

    @Option(names = "--assignment-poll-seconds", defaultValue = "30", paramLabel = "SECONDS",
            description = "With --follow-assignment: poll the assignment over HTTP (If-None-Match) this often while running, beside the MQTT"
                    + " topic; 0: MQTT only (default ${DEFAULT-VALUE}).")
    long assignmentPollSeconds;

    @Option(names = "--trusted-release-key", paramLabel = "FILE",
            description = "A release public key this vehicle trusts (X.509 PEM, registry keygen's release.pub); repeatable.")
    List<Path> trustedReleaseKeys;

    @Option(names = "--assignment-token-file", paramLabel = "FILE",
            description = "A bearer token for reading the assignment and the registry (else SIGHTLINE_TOKEN); without either the vehicle"
                    + " signs those reads with its device key, registered into its fleet (ADR-0042).")
    Path assignmentTokenFile;

    @Option(names = "--shadow", paramLabel = "MODEL",
            description = "Run this model (bundled name or model directory) in shadow mode beside the primary: its detections, tracks and"
                    + " decisions are journaled as Shadow… events and never actuate (docs/rollouts.md). With --follow-assignment an"
                    + " assigned shadow challenger takes its place.")
    String shadowModel;

    @Option(names = "--shadow-cpu-share", defaultValue = "0.25", paramLabel = "SHARE",
            description = "The shadow's median detect time may take this share of the frame interval; above it the shadow runs on fewer"
                    + " frames (default ${DEFAULT-VALUE}).")
    double shadowCpuShare;

    @Option(names = "--shadow-sample-every", defaultValue = "0", paramLabel = "N",
            description = "Run the shadow on one frame in N whatever the CPU (0: adaptive, default).")
    int shadowSampleEvery;

    @Option(names = "--shadow-lossless",
            description = "Wait for the shadow on every frame it is due instead of dropping it (replays and comparisons of a recorded"
                    + " file: the primary slows down to the shadow's pace; never on a vehicle).")
    boolean shadowLossless;

    /** Where the operator's lines go: standard output, or each vehicle's own stream when many edges share a JVM (the simulated fleet). */
    private final PrintStream out;

    public EdgeCommand() {
        this(System.out);
    }

    public EdgeCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() throws Exception {
        Path home = ProjectHome.get();
        Path dir = edgeDir != null ? edgeDir : home.resolve(".sightline").resolve("edge-" + deviceId);
        DeviceIdentity device = DeviceIdentity.loadOrCreate(dir.resolve("device-" + deviceId + ".key"), deviceId);
        cloudCredential = assignmentTokenFile != null || System.getenv("SIGHTLINE_TOKEN") != null
                ? io.sightline.runtime.rollout.CloudCredential.bearer(this::assignmentToken)
                : io.sightline.runtime.rollout.CloudCredential.device(device);
        if (printDeviceKey) {
            String base = uplink.cloudUrl != null ? uplink.cloudUrl : "http://CLOUD:8080";
            out.println("device " + deviceId + " (key file " + dir.resolve("device-" + deviceId + ".key") + ")");
            out.println("publicKeyX509 " + device.publicKeyBase64());
            out.println("vehicleId " + vehicleId);
            // Bound to its vehicle (V19): the key then reads only this vehicle's assignment and artifacts, and stores only its sessions.
            out.println("register it with an admin token of fleet " + fleetId + ":");
            out.printf(Locale.ROOT, "  curl -X PUT -H 'Authorization: Bearer $ADMIN_TOKEN' -H 'Content-Type: application/json' \\%n"
                    + "       -d '{\"publicKeyX509\":\"%s\",\"vehicleId\":\"%s\"}' %s/api/v1/admin/devices/%s%n", device.publicKeyBase64(),
                    vehicleId, base, deviceId);
            return 0;
        }
        boolean clips;
        try {
            clips = EdgePipeline.clipForm(evidenceForm);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(new CommandLine(this), e.getMessage());
        }
        if (detectorNice < -20 || detectorNice > 19) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--detector-nice must be -20 to 19, got " + detectorNice);
        }
        if (journalSyncMillis < 0 || journalSyncMillis > EdgeJournal.MAX_SYNC_INTERVAL_MILLIS) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--journal-sync-ms must be 0 (every frame) to "
                    + EdgeJournal.MAX_SYNC_INTERVAL_MILLIS + ", got " + journalSyncMillis);
        }
        Duration journalSync = Duration.ofMillis(journalSyncMillis);
        if (signatureVersion != BatchCanonicalForm.VERSION_WHOLE_EVENTS && signatureVersion != BatchCanonicalForm.VERSION_EVENTS_DIGEST) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--signature-version is 1 or 2, got " + signatureVersion
                    + " (version 3 signs the binary body: pass --binary)");
        }
        if (binary && deflate) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--binary bodies are zstd-compressed already: drop --deflate");
        }
        if (binary && signatureVersion != 2) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--binary signs with version 3 (ADR-0030);"
                    + " --signature-version applies to JSON bodies only");
        }
        int batchSignatureVersion = binary ? BatchCanonicalForm.VERSION_COMPRESSED_DIGEST : signatureVersion;
        if (uplink.cloudUrl == null && uplink.mqttUrl == null) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                    "say where to upload: --cloud-url http://HOST:8080 (HTTP) or --mqtt-url tcp://HOST:1883 (MQTT), or both"
                            + " (MQTT for events, HTTP for evidence frames); with MQTT alone both go through the broker");
        }
        String videoLocation = video != null ? video : home.resolve(DEFAULT_VIDEO).toString();
        String fallback = model.toLowerCase(Locale.ROOT).startsWith("fastestdet") ? null : "fastestdet";
        EdgePipeline.Options options = new EdgePipeline.Options(videoLocation, model, fallback, realtime, null, egoSpeedMps, 1, maxFrames,
                fleetId, vehicleId, deviceId, BuildInfo.version());
        io.sightline.runtime.rollout.StartupAssignment assignment = null;
        java.util.Map<String, java.security.PublicKey> releaseKeys = null;
        if (followAssignment && assignmentPollSeconds < 0) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--assignment-poll-seconds must be >= 0 (0: MQTT only), got "
                    + assignmentPollSeconds);
        }
        if (followAssignment && assignmentPollSeconds == 0 && uplink.mqttUrl == null) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--assignment-poll-seconds 0 follows the assignment over MQTT"
                    + " only: give --mqtt-url, or a poll period");
        }
        if (followAssignment) {
            if (uplink.cloudUrl == null) {
                throw new CommandLine.ParameterException(new CommandLine(this), "--follow-assignment reads the assignment over HTTP: give --cloud-url");
            }
            if (trustedReleaseKeys == null || trustedReleaseKeys.isEmpty()) {
                throw new CommandLine.ParameterException(new CommandLine(this),
                        "--follow-assignment needs --trusted-release-key FILE: the vehicle runs nothing it cannot verify");
            }
            java.util.Map<String, java.security.PublicKey> keys = io.sightline.runtime.rollout.StartupAssignment.trustedKeys(trustedReleaseKeys);
            releaseKeys = keys;
            assignment = io.sightline.runtime.rollout.StartupAssignment.follow(java.net.URI.create(uplink.cloudUrl), fleetId, vehicleId,
                    cloudCredential, keys, dir.resolve("models"), EdgePipeline.sessionConfig(options));
            out.println("  " + assignment.note());
            policyInstaller = new io.sightline.runtime.rollout.ReleasedPolicyInstaller(new io.sightline.runtime.rollout.ReleasedModelInstaller(
                    java.net.URI.create(uplink.cloudUrl), cloudCredential, keys, dir.resolve("models")), keys, dir.resolve("policies"));
            startupPolicy(out);
        }
        ShadowStage.Options shadowOptions;
        try {
            shadowOptions = new ShadowStage.Options(shadowCpuShare, shadowSampleEvery, shadowLossless);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(new CommandLine(this), e.getMessage());
        }
        if (!upload.equals("full") && !upload.equals("tiered")) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--upload is full or tiered, got " + upload);
        }
        UploadTiers tiers;
        try {
            tiers = upload.equals("tiered") ? new UploadTiers(nearMissMargin, sampleShare, UploadTiers.defaults().sampleWindowNanos(),
                    sampleSeed) : null;
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(new CommandLine(this), e.getMessage());
        }
        if (applications != null) {
            // before any model is loaded: a typo must not cost a start-up
            io.sightline.edge.app.host.ApplicationProvider.create(applications);
        }
        ObjectMapper mapper = new EventCodec().mapper();
        Duration replyTimeout = Duration.ofSeconds(30);
        UplinkTransport transport = uplink.mqttUrl != null
                ? new MqttUplinkTransport(uplink.mqttUrl, mqttTopicRoot, fleetId, vehicleId, replyTimeout, mapper).deflate(deflate)
                : new HttpUplinkTransport(uplink.cloudUrl, replyTimeout, mapper).deflate(deflate);
        // Window requests arrive over MQTT only; over HTTP the edge has no channel the cloud can call.
        WindowAnswer.Sink answers = transport instanceof MqttUplinkTransport m ? m.windowAnswers() : WindowAnswer.Sink.NONE;
        String target = uplink.mqttUrl != null ? "MQTT " + uplink.mqttUrl : "HTTP " + uplink.cloudUrl;
        out.println("sightline " + BuildInfo.version() + ": edge " + deviceId + " (" + fleetId + "/" + vehicleId + ") → " + target);
        List<io.sightline.domain.event.SightlineEvent> prelude = new java.util.ArrayList<>(assignment == null ? List.of() : assignment.refusals());
        policyRejected.ifPresent(prelude::add);
        challengerPolicyRejected.ifPresent(prelude::add);
        try (EdgePipeline first = EdgePipeline.open(options, assignment == null ? null : assignment.assigned().orElse(null))
                .summaryWindow(summaryWindowSeconds).detectorNice(detectorNice)
                .policy(servingPolicy == null ? null : servingPolicy.policy())
                .prelude(prelude);
             EdgeJournal journal = EdgeJournal.open(dir.resolve("journal.db"), EdgePipeline.JOURNAL_BUDGET_BYTES,
                     tiers == null ? e -> e instanceof AlertRaised : tiers::opensWindow, journalSync);
             Uploader uploader = new Uploader(journal, new BatchSigner(device, mapper, batchSignatureVersion), transport,
                     EdgeDefaults.uploaderSettings(), tiers, answers)) {
            EdgePipeline pipeline = first;
            if (applications != null) {
                pipeline.applications(applications);
            }
            if (transport instanceof MqttUplinkTransport m) {
                m.onWindowRequest(uploader::requestWindow);
            }
            pipeline.shadowOptions(shadowOptions);
            if (assignment != null && challengerPolicyRejected.isPresent()) {
                // Half a challenger is not the one assigned: its model does not run either (ADR-0043).
                assignment.shadow().ifPresent(m -> m.detector().close());
            } else if (assignment != null && assignment.shadow().isPresent()) {
                pipeline.shadow(assignment.shadow().get(), shadowOptions);
            } else if (shadowModel != null) {
                pipeline.shadow(shadowModel, shadowOptions);
            }
            if (challengerPolicy != null && (assignment == null || assignment.shadowRejected().isEmpty())) {
                pipeline.shadowPolicy(challengerPolicy.policy(), shadowOptions);
            }
            EvidenceStore evidence = EvidenceStore.open(journal, EVIDENCE_BUDGET_BYTES);
            // Evidence JPEGs go over HTTP when a cloud URL is given (a broker need not carry megabytes of
            // pictures), otherwise over the same MQTT connection as the events.
            EvidenceTransport evidenceTransport = uplink.cloudUrl != null
                    ? new HttpEvidenceTransport(uplink.cloudUrl, replyTimeout, mapper) : (MqttUplinkTransport) transport;
            EvidenceUploader evidenceUploader = new EvidenceUploader(evidence, new EvidenceSigner(device), evidenceTransport,
                    EvidenceUploader.Settings.defaults());
            io.sightline.runtime.rollout.LiveAssignment live = null;
            try {
                if (followAssignment) {
                    live = liveAssignment(first, assignment, releaseKeys, dir, options, out);
                    pipeline.follow(live);
                }
                uploader.start();
                evidenceUploader.start();
                out.printf(Locale.ROOT, "video %s, model %s%s%s%n", videoLocation, pipeline.primaryModelName(),
                        pipeline.fallbackModelName() == null ? "" : " (fallback " + pipeline.fallbackModelName() + ")",
                        pipeline.shadowModelName() == null ? "" : ", shadow " + pipeline.shadowModelName());
                EdgePipeline[] running = {pipeline};
                Thread stopHook = new Thread(() -> running[0].requestStop(), "sightline-edge-stop");
                Runtime.getRuntime().addShutdownHook(stopHook);
                RunReport report;
                List<String> sessions = new java.util.ArrayList<>();
                while (true) {
                    RunProgress progress = new RunProgress(out);
                    try {
                        report = pipeline.evidence(evidence).evidenceClips(clips).run(journal, progress, EdgeTelemetry.process());
                    } finally {
                        progress.done();
                        uploader.wake();
                        evidenceUploader.wake();
                    }
                    out.print(report.format());
                    out.printf(Locale.ROOT, "  evidence      %s%n", pipeline.evidenceSummary());
                    out.printf(Locale.ROOT, "  detector      %s%n", pipeline.detectorPriority());
                    sessions.add(report.sessionId());
                    if (live == null || !EdgePipeline.ASSIGNMENT_CHANGED.equals(report.endReason())) {
                        break;
                    }
                    java.util.Optional<io.sightline.runtime.rollout.LiveAssignment.Switch> to = live.takeSwitch();
                    if (to.isEmpty()) {
                        break;
                    }
                    EdgePipeline next = pipeline.next(to.get());
                    if (pipeline != first) {
                        pipeline.close();
                    }
                    if (next == null) {
                        break;
                    }
                    pipeline = next;
                    running[0] = next;
                    List<String> switched = new java.util.ArrayList<>();
                    if (to.get().model() != null) {
                        String sha = to.get().model().event().modelSha256();
                        Files.writeString(dir.resolve("models").resolve(io.sightline.runtime.rollout.StartupAssignment.LAST_KNOWN_GOOD), sha + "\n",
                                StandardCharsets.US_ASCII);
                        switched.add("model " + to.get().model().event().modelName() + " " + sha);
                    }
                    if (to.get().policy() != null) {
                        policyInstaller.keep(to.get().policy());
                        switched.add("policy " + to.get().policy().policy().version() + " " + to.get().policy().sha256());
                    }
                    if (to.get().shadow() != null) {
                        io.sightline.runtime.rollout.LiveAssignment.ShadowSwitch sh = to.get().shadow();
                        switched.add(sh.modelSha256() == null && sh.policySha256() == null ? "no shadow challenger"
                                : "shadow challenger " + (sh.modelSha256() == null ? "policy-only" : "model " + sh.modelSha256())
                                + (sh.policy() == null ? "" : " with policy " + sh.policy().policy().version() + " " + sh.policySha256()));
                    }
                    out.printf(Locale.ROOT, "  assignment revision %d: %s (verified); a new session starts on it%n", to.get().revision(),
                            String.join(", ", switched));
                }
                if (pipeline != first) {
                    pipeline.close();
                }
                boolean uploaded = true;
                long evidencePending = 0;
                for (String session : sessions) {
                    uploaded &= awaitUpload(journal, session, Duration.ofSeconds(uploadTimeoutSeconds));
                    evidencePending += evidenceUploader.awaitSession(session, Duration.ofSeconds(uploadTimeoutSeconds));
                }
                EdgeJournal.SessionState s = journal.session(report.sessionId());
                if (tiers != null) {
                    out.printf(Locale.ROOT, "  upload tiers  %s%n", uploader.tierCounts());
                }
                if (uploaded) {
                    out.printf(Locale.ROOT, "  uplink        all %,d events acknowledged by the cloud over %s%s%n", s.nextSequence(), target,
                            evidencePending == 0 ? "; evidence of every alert window stored" : "; " + evidencePending
                                    + " evidence frame(s) still to upload");
                } else {
                    out.printf(Locale.ROOT, "  uplink        NOT complete: %,d of %,d events acknowledged%s%n", s.ackedSequence(),
                            s.nextSequence(), s.blockedReason() == null ? "" : "; refused: " + s.blockedReason());
                    out.println("                the journal keeps every event; the next start of this edge sends them first");
                }
                Runtime.getRuntime().removeShutdownHook(stopHook);
                return uploaded && evidencePending == 0 ? 0 : 1;
            } finally {
                if (live != null) {
                    live.close();
                }
                evidenceUploader.close();
                evidence.close();
            }
        }
    }

    /** The follower of the assignment while running (ADR-0035): the uplink's broker, if any, and the HTTP poll. */
    private io.sightline.runtime.rollout.LiveAssignment liveAssignment(EdgePipeline pipeline,
            io.sightline.runtime.rollout.StartupAssignment startup, java.util.Map<String, java.security.PublicKey> keys, Path dir,
            EdgePipeline.Options options, PrintStream out) {
        java.net.URI cloud = java.net.URI.create(uplink.cloudUrl);
        io.sightline.inference.SessionConfig config = EdgePipeline.sessionConfig(options);
        io.sightline.runtime.rollout.ReleasedModelInstaller installer = new io.sightline.runtime.rollout.ReleasedModelInstaller(cloud,
                cloudCredential, keys, dir.resolve("models"));
        io.sightline.runtime.rollout.AssignmentFollower http = new io.sightline.runtime.rollout.AssignmentFollower(cloud, fleetId, vehicleId,
                cloudCredential, installer, config, null);
        java.util.Set<String> refused = new java.util.HashSet<>();
        startup.rejected().ifPresent(r -> refused.add(r.expectedSha256()));
        startup.shadowRejected().ifPresent(r -> refused.add(r.expectedSha256()));
        policyRejected.ifPresent(r -> refused.add(r.expectedSha256()));
        challengerPolicyRejected.ifPresent(r -> refused.add(r.expectedSha256()));
        // What the assignment's challenger runs as now; a --shadow model of the command line is not the assignment's to replace.
        boolean challengerRuns = startup.shadowRejected().isEmpty() && challengerPolicyRejected.isEmpty();
        String challengerModel = challengerRuns ? startup.shadow().map(m -> m.event().modelSha256()).orElse(null) : null;
        return new io.sightline.runtime.rollout.LiveAssignment(http, installer, policyInstaller, config, pipeline.primarySha256(),
                servingPolicy == null ? null : servingPolicy.sha256(), 0, refused, uplink.mqttUrl,
                io.sightline.runtime.rollout.LiveAssignment.topic(mqttTopicRoot, fleetId, vehicleId), Duration.ofSeconds(assignmentPollSeconds),
                pipeline::warmUp, line -> out.println("  " + line)).servingChallenger(challengerModel, challengerRuns ? challengerPolicy : null)
                .start();
    }

    private io.sightline.runtime.rollout.ReleasedPolicyInstaller policyInstaller;
    /** The verified policy the first session decides with, or null for the built-in defaults. */
    private io.sightline.runtime.rollout.ReleasedPolicyInstaller.Verified servingPolicy;
    private java.util.Optional<io.sightline.domain.event.PolicyRejected> policyRejected = java.util.Optional.empty();
    /** The assignment's verified challenger policy the first session's shadow decides with (ADR-0043), or null. */
    private io.sightline.runtime.rollout.ReleasedPolicyInstaller.Verified challengerPolicy;
    private java.util.Optional<io.sightline.domain.event.PolicyRejected> challengerPolicyRejected = java.util.Optional.empty();

    /**
     * The assignment's champion policy before the first session (ADR-0035), as {@code StartupAssignment} does for the model:
     * verified, or refused with the last known good policy (else the built-in defaults) deciding.
     */
    private void startupPolicy(PrintStream out) throws InterruptedException {
        java.net.URI cloud = java.net.URI.create(uplink.cloudUrl);
        String sha;
        String challengerSha;
        try {
            com.fasterxml.jackson.databind.JsonNode a = new io.sightline.runtime.rollout.AssignmentFollower(cloud, fleetId, vehicleId,
                    cloudCredential, null, null, null).fetch(null).map(f -> f.assignment()).orElse(null);
            sha = a == null ? null : a.path("championPolicySha256").asText(null);
            challengerSha = a == null || !"shadow".equals(a.path("challengerMode").asText(null)) ? null
                    : a.path("challengerPolicySha256").asText(null);
        } catch (java.io.IOException e) {
            sha = null;
            challengerSha = null;
        }
        if (challengerSha != null && !challengerSha.isBlank()) {
            // Verified like the champion's; refused, the shadow runs no challenger and the champion is unaffected (ADR-0043).
            io.sightline.runtime.rollout.ReleasedPolicyInstaller.Outcome c = policyInstaller.activateOrKeep(null, challengerSha);
            if (c.rejected().isPresent()) {
                challengerPolicyRejected = c.rejected();
                out.println("  assigned challenger policy refused: " + c.rejected().get().reason() + " (no shadow this session)");
            } else {
                challengerPolicy = c.serving();
                out.println("  assigned challenger policy " + challengerPolicy.policy().version() + " " + challengerSha + " (verified)");
            }
        }
        if (sha == null || sha.isBlank()) {
            servingPolicy = policyInstaller.lastKnownGood(null).orElse(null);
            return;
        }
        io.sightline.runtime.rollout.ReleasedPolicyInstaller.Outcome outcome = policyInstaller.activateOrKeep(null, sha);
        if (outcome.rejected().isPresent()) {
            policyRejected = outcome.rejected();
            servingPolicy = policyInstaller.lastKnownGood(sha).orElse(null);
            out.println("  assigned policy refused: " + outcome.rejected().get().reason() + "; deciding with "
                    + (servingPolicy == null ? "the built-in policy" : "the last known good " + servingPolicy.policy().version()));
            return;
        }
        servingPolicy = outcome.serving();
        try {
            policyInstaller.keep(servingPolicy);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot record the last known good policy", e);
        }
        out.println("  assigned policy " + servingPolicy.policy().version() + " " + sha + " (verified)");
    }

    /** The vehicle's credential for its assignment and the registry: an operator's token if given, else its device key. */
    private io.sightline.runtime.rollout.CloudCredential cloudCredential;

    private String assignmentToken() {
        try {
            String token = assignmentTokenFile != null ? Files.readString(assignmentTokenFile, StandardCharsets.UTF_8).strip()
                    : System.getenv("SIGHTLINE_TOKEN");
            if (token == null || token.isBlank()) {
                throw new IllegalArgumentException("--assignment-token-file " + assignmentTokenFile + " is empty: put the token in it, or"
                        + " drop the option to sign with the device key");
            }
            return token;
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("--assignment-token-file " + assignmentTokenFile + ": cannot read it (" + e.getMessage() + ")");
        }
    }

    private static boolean awaitUpload(EdgeJournal journal, String sessionId, Duration maxWait) throws InterruptedException {
        long deadline = System.nanoTime() + maxWait.toNanos();
        while (System.nanoTime() < deadline) {
            EdgeJournal.SessionState s = journal.session(sessionId);
            if (!s.hasUnacked()) {
                return true;
            }
            if (s.blockedReason() != null) {
                return false;
            }
            Thread.sleep(100);
        }
        return !journal.session(sessionId).hasUnacked();
    }
}
