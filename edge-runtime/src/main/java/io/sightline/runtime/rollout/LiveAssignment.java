package io.sightline.runtime.rollout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sightline.domain.event.SightlineEvent;
import io.sightline.inference.ActivatedModel;
import io.sightline.inference.SessionConfig;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * Follows a vehicle's assignment while the edge runs (issue 17 §2, ADR-0035). Two paths feed one
 * follower thread: the retained MQTT message on {@code {root}/{fleet}/{vehicle}/assignment} (the
 * broker sends it again on every subscription, so a vehicle that was offline converges when it
 * reconnects) and an HTTP poll with the held revision as {@code If-None-Match}, the fallback when
 * no broker is configured or reachable. Both are idempotent by revision: a revision at or below the
 * one held changes nothing, whichever path brought it first.
 *
 * <p>A new champion model is downloaded, verified (sha256, release signature with the vehicle's own
 * keys), activated and warmed up on the follower thread, never on the detector's; the verified model
 * then waits as a {@link Switch} that the pipeline takes at its next frame boundary, where it ends
 * the session and starts the next one on the new model. A model that fails its checks is a
 * {@code ModelRejected} (a policy: {@code PolicyRejected}) for the running session's journal ({@link #drainRefusals}); the last known
 * good keeps serving, and that sha256 is not tried again in this run (the next start retries it).
 */
public final class LiveAssignment implements AutoCloseable {

    /**
     * A verified champion (model, policy or both) waiting for the pipeline's next frame boundary.
     *
     * @param assignmentEventId the cloud's {@code VehicleAssigned} id, or null when the cloud did not send it
     * @param model             the verified, warmed-up model, or null to keep the serving one
     * @param policy            the verified policy, or null to keep the serving one
     */
    public record Switch(long revision, String assignmentEventId, ActivatedModel model, ReleasedPolicyInstaller.Verified policy,
                         ShadowSwitch shadow) {

        public Switch(long revision, String assignmentEventId, ActivatedModel model, ReleasedPolicyInstaller.Verified policy) {
            this(revision, assignmentEventId, model, policy, null);
        }

        /** What the new session's {@code ModelActivated} names as its causes. */
        public List<String> causes() {
            return assignmentEventId == null ? List.of() : List.of(assignmentEventId);
        }
    }

    /**
     * The shadow challenger the next session runs (ADR-0043), in full: {@link #NONE} takes the shadow off. A challenger
     * is a model, a policy or both; a policy-only one decides on the champion's boxes.
     *
     * @param modelSha256  the challenger model, or null for none
     * @param model        that model verified and warmed up; null when it is the one the shadow runs already (kept)
     * @param policySha256 the challenger policy, or null: the shadow decides with the champion's policy
     * @param policy       that policy, verified
     */
    public record ShadowSwitch(String modelSha256, ActivatedModel model, String policySha256, ReleasedPolicyInstaller.Verified policy) {

        public static final ShadowSwitch NONE = new ShadowSwitch(null, null, null, null);

        boolean sameChallenger(String otherModel, String otherPolicy) {
            return java.util.Objects.equals(modelSha256, otherModel) && java.util.Objects.equals(policySha256, otherPolicy);
        }
    }

    /** How often the follower thread wakes to check the broker connection. */
    private static final long TICK_MILLIS = 500;
    private static final long MQTT_RETRY_MILLIS = 5_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AssignmentFollower http;
    private final ReleasedModelInstaller installer;
    private final SessionConfig config;
    private final String mqttUrl;
    private final String topic;
    private final Duration pollEvery;
    private final Consumer<ActivatedModel> warmUp;
    private final Consumer<String> log;
    private final BlockingQueue<AssignmentFollower.Fetched> inbox = new LinkedBlockingQueue<>();
    private final AtomicReference<Switch> pending = new AtomicReference<>();
    private final ConcurrentLinkedQueue<SightlineEvent> refusals = new ConcurrentLinkedQueue<>();
    private final ReleasedPolicyInstaller policies;
    private volatile String servingPolicySha256;
    /** The shadow challenger the pipeline runs now (ADR-0043): model and policy sha256, null each when none. */
    private volatile String servingChallengerModelSha256;
    private volatile String servingChallengerPolicySha256;
    private volatile ReleasedPolicyInstaller.Verified servingChallengerPolicy;
    /** Refused sha256s: thread-confined to the follower thread after construction. */
    private final Set<String> refused;
    private final AtomicLong mqttMessages = new AtomicLong();
    private final AtomicLong httpAnswers = new AtomicLong();
    private volatile String servingSha256;
    private volatile long heldRevision;
    private volatile boolean closed;
    private Thread thread;
    private MqttClient mqtt;

    /**
     * @param servingSha256 the model the pipeline starts with
     * @param heldRevision  the revision read at start-up (0 for none)
     * @param refused       sha256s already refused at start-up: not tried, nor reported, again
     * @param mqttUrl       the broker (the uplink's), or null to poll only
     * @param pollEvery     the HTTP poll period; zero polls never (MQTT only)
     * @param warmUp        runs a few inferences on a newly activated model, so its first frames are not slow
     */
    public LiveAssignment(AssignmentFollower http, ReleasedModelInstaller installer, SessionConfig config, String servingSha256,
                          long heldRevision, Set<String> refused, String mqttUrl, String topic, Duration pollEvery,
                          Consumer<ActivatedModel> warmUp, Consumer<String> log) {
        this(http, installer, null, config, servingSha256, null, heldRevision, refused, mqttUrl, topic, pollEvery, warmUp, log);
    }

    /**
     * @param policies            installs assigned policies, or null to follow models only
     * @param servingPolicySha256 the sha256 of the policy the pipeline starts with, or null for the built-in defaults
     */
    public LiveAssignment(AssignmentFollower http, ReleasedModelInstaller installer, ReleasedPolicyInstaller policies, SessionConfig config,
                          String servingSha256, String servingPolicySha256, long heldRevision, Set<String> refused, String mqttUrl,
                          String topic, Duration pollEvery, Consumer<ActivatedModel> warmUp, Consumer<String> log) {
        if (pollEvery.isNegative()) {
            throw new IllegalArgumentException("--assignment-poll-seconds must be >= 0 (0: MQTT only), got " + pollEvery.toSeconds());
        }
        if (mqttUrl == null && pollEvery.isZero()) {
            throw new IllegalArgumentException("--assignment-poll-seconds 0 needs --mqtt-url: without a broker nothing would bring a new"
                    + " assignment");
        }
        this.http = http;
        this.installer = installer;
        this.config = config;
        this.servingSha256 = servingSha256;
        this.policies = policies;
        this.servingPolicySha256 = servingPolicySha256;
        this.heldRevision = heldRevision;
        this.refused = new HashSet<>(refused);
        this.mqttUrl = mqttUrl;
        this.topic = topic;
        this.pollEvery = pollEvery;
        this.warmUp = warmUp;
        this.log = log;
    }

    /**
     * The shadow challenger the first session runs: {@code modelSha256} (null for none or a policy-only challenger) and
     * {@code policy} (null: the shadow, if any, decides with the champion's policy). Set before {@link #start}: a change of
     * challenger alone is then a switch at the next frame, like a change of champion (ADR-0043).
     */
    public LiveAssignment servingChallenger(String modelSha256, ReleasedPolicyInstaller.Verified policy) {
        this.servingChallengerModelSha256 = modelSha256;
        this.servingChallengerPolicy = policy;
        this.servingChallengerPolicySha256 = policy == null ? null : policy.sha256();
        return this;
    }

    /** The assignment topic, the cloud's {@code AssignmentPublisher.topic}. */
    public static String topic(String root, String fleetId, String vehicleId) {
        return root + "/" + fleetId + "/" + vehicleId + "/assignment";
    }

    public LiveAssignment start() {
        thread = new Thread(() -> {
            // Below the stages (nice 19, as the shadow): hashing, verifying and loading a model must not take the detector's core.
            io.sightline.runtime.ShadowStage.lowerThreadPriority("assignment follower");
            follow();
        }, "sightline-assignment");
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    /** True while a verified model waits for the pipeline. */
    public boolean switchPending() {
        return pending.get() != null;
    }

    /** The verified model to switch to, once; the caller owns it from here. */
    public Optional<Switch> takeSwitch() {
        Switch s = pending.getAndSet(null);
        if (s != null && s.model() != null) {
            servingSha256 = s.model().event().modelSha256();
        }
        if (s != null && s.policy() != null) {
            servingPolicySha256 = s.policy().sha256();
        }
        if (s != null && s.shadow() != null) {
            servingChallengerModelSha256 = s.shadow().modelSha256();
            servingChallengerPolicySha256 = s.shadow().policySha256();
            servingChallengerPolicy = s.shadow().policy();
        }
        return Optional.ofNullable(s);
    }

    /** The refusals since the last call, for the running session's journal. */
    public List<SightlineEvent> drainRefusals() {
        List<SightlineEvent> out = new ArrayList<>();
        for (SightlineEvent r; (r = refusals.poll()) != null; ) {
            out.add(r);
        }
        return out;
    }

    public long heldRevision() {
        return heldRevision;
    }

    /** Assignment messages received over MQTT (retained ones included). */
    public long mqttMessages() {
        return mqttMessages.get();
    }

    /** HTTP polls answered 200 (a new revision). */
    public long httpAnswers() {
        return httpAnswers.get();
    }

    private void follow() {
        long nextPoll = pollEvery.isZero() ? Long.MAX_VALUE : System.nanoTime() + pollEvery.toNanos();
        long nextMqttAttempt = System.nanoTime();
        boolean pollFailedReported = false;
        while (!closed) {
            try {
                if (mqttUrl != null && (mqtt == null || !mqtt.isConnected()) && System.nanoTime() >= nextMqttAttempt) {
                    if (!connectMqtt()) {
                        nextMqttAttempt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(MQTT_RETRY_MILLIS);
                    }
                }
                AssignmentFollower.Fetched f = inbox.poll(TICK_MILLIS, TimeUnit.MILLISECONDS);
                if (f != null) {
                    handle(f, "MQTT");
                }
                if (System.nanoTime() >= nextPoll) {
                    nextPoll = System.nanoTime() + pollEvery.toNanos();
                    try {
                        long held = heldRevision;
                        Optional<AssignmentFollower.Fetched> fetched = http.fetch(held > 0 ? "\"" + held + "\"" : null);
                        if (fetched.isPresent()) {
                            httpAnswers.incrementAndGet();
                            handle(fetched.get(), "HTTP");
                        }
                        pollFailedReported = false;
                    } catch (IOException e) {
                        if (!pollFailedReported) {
                            log.accept("assignment poll failed (" + e.getMessage().lines().findFirst().orElse("")
                                    + "); keeping revision " + heldRevision + " and polling again");
                            pollFailedReported = true;
                        }
                    }
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // A malformed message or an unexpected failure must not end the vehicle's following.
                log.accept("assignment follower: " + e);
            }
        }
    }

    private boolean connectMqtt() {
        try {
            closeMqtt();
            MqttClient c = new MqttClient(mqttUrl, "sightline-assign-" + UUID.randomUUID().toString().substring(0, 8), new MemoryPersistence());
            c.setCallback(new MqttCallback() {
                @Override
                public void connectionLost(Throwable cause) {
                    log.accept("assignment topic: broker connection lost (" + cause + "); reconnecting, the retained assignment"
                            + " comes again");
                }

                @Override
                public void messageArrived(String t, MqttMessage message) {
                    try {
                        JsonNode a = JSON.readTree(message.getPayload());
                        mqttMessages.incrementAndGet();
                        inbox.add(new AssignmentFollower.Fetched(a, null, a.path("eventId").asText(null)));
                    } catch (IOException e) {
                        log.accept("assignment topic: a message that is not JSON was ignored (" + e.getMessage() + ")");
                    }
                }

                @Override
                public void deliveryComplete(IMqttDeliveryToken token) {
                }
            });
            MqttConnectOptions options = new MqttConnectOptions();
            options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
            options.setCleanSession(true);
            options.setAutomaticReconnect(false);
            options.setConnectionTimeout(5);
            options.setKeepAliveInterval(20);
            c.connect(options);
            // A clean session forgets subscriptions: subscribing again is what makes the broker resend the retained assignment.
            c.subscribe(topic, 1);
            mqtt = c;
            return true;
        } catch (MqttException e) {
            return false;
        }
    }

    /** One assignment, from either path; runs on the follower thread only. */
    private void handle(AssignmentFollower.Fetched f, String via) {
        long revision = f.revision();
        if (revision <= heldRevision) {
            return;
        }
        heldRevision = revision;
        String model = sha(f.assignment(), "championModelSha256");
        String policy = policies == null ? null : sha(f.assignment(), "championPolicySha256");
        Switch waiting = pending.get();
        // What the assignment asks for beyond what serves now; null: keep serving what serves (or was refused, ADR-0035).
        String wantModel = model == null || model.equals(servingSha256) || refused.contains(model) ? null : model;
        String wantPolicy = policy == null || policy.equals(servingPolicySha256) || refused.contains(policy) ? null : policy;
        ActivatedModel newModel = null;
        ReleasedPolicyInstaller.Verified newPolicy = null;
        if (waiting != null && waiting.model() != null && waiting.model().event().modelSha256().equals(wantModel)) {
            newModel = waiting.model();
        } else if (wantModel != null) {
            ReleasedModelInstaller.Outcome outcome = installer.activateOrKeep(null, wantModel, "primary", config);
            if (outcome.rejected().isPresent()) {
                refused.add(wantModel);
                refusals.add(outcome.rejected().get());
                log.accept("assignment revision " + revision + " (" + via + "): model " + wantModel + " refused: "
                        + outcome.rejected().get().reason() + "; the last known good keeps serving");
            } else {
                newModel = outcome.serving();
                try {
                    warmUp.accept(newModel);
                } catch (RuntimeException e) {
                    newModel.detector().close();
                    throw e;
                }
                log.accept("assignment revision " + revision + " (" + via + "): model " + newModel.event().modelName() + " " + wantModel
                        + " verified; switching at the next frame");
            }
        }
        if (waiting != null && waiting.policy() != null && waiting.policy().sha256().equals(wantPolicy)) {
            newPolicy = waiting.policy();
        } else if (wantPolicy != null) {
            ReleasedPolicyInstaller.Outcome outcome = policies.activateOrKeep(null, wantPolicy);
            if (outcome.rejected().isPresent()) {
                refused.add(wantPolicy);
                refusals.add(outcome.rejected().get());
                log.accept("assignment revision " + revision + " (" + via + "): policy " + wantPolicy + " refused: "
                        + outcome.rejected().get().reason() + "; the last known good policy keeps deciding");
            } else {
                newPolicy = outcome.serving();
                log.accept("assignment revision " + revision + " (" + via + "): policy " + newPolicy.policy().version() + " " + wantPolicy
                        + " verified; switching at the next frame");
            }
        }
        ShadowSwitch shadowTarget = shadowTarget(f.assignment(), waiting, revision, via);
        ShadowSwitch newShadow = shadowTarget.sameChallenger(servingChallengerModelSha256, servingChallengerPolicySha256) ? null : shadowTarget;
        Switch next = newModel == null && newPolicy == null && newShadow == null ? null
                : new Switch(revision, f.eventId(), newModel, newPolicy, newShadow);
        if (pending.compareAndSet(waiting, next)) {
            if (waiting != null && waiting.model() != null && waiting.model() != newModel) {
                waiting.model().detector().close();
            }
            closeUnlessKept(waiting, shadowTarget);
            return;
        }
        // The pipeline took the waiting switch meanwhile: what it took serves now, and only this thread sets a switch.
        ActivatedModel m = waiting != null && newModel == waiting.model() ? null : newModel;
        ReleasedPolicyInstaller.Verified p = waiting != null && newPolicy == waiting.policy() ? null : newPolicy;
        ShadowSwitch sh = shadowTarget.sameChallenger(servingChallengerModelSha256, servingChallengerPolicySha256) ? null : shadowTarget;
        if (sh != null && sh.modelSha256() != null && sh.model() == null && !sh.modelSha256().equals(servingChallengerModelSha256)) {
            // It meant to keep the challenger model that ran before the switch just taken, which no longer runs: load it again.
            ActivatedModel again = shadowModel(sh.modelSha256(), revision, via);
            sh = again == null ? ShadowSwitch.NONE : new ShadowSwitch(sh.modelSha256(), again, sh.policySha256(), sh.policy());
            if (sh.sameChallenger(servingChallengerModelSha256, servingChallengerPolicySha256)) {
                sh = null;
            }
        }
        pending.set(m == null && p == null && sh == null ? null : new Switch(revision, f.eventId(), m, p, sh));
    }

    /**
     * The shadow challenger {@code assignment} asks for (ADR-0043), verified: its model installed with role {@code shadow}
     * and warmed up (unless the shadow runs it already, or a waiting switch holds it), its policy verified like the
     * champion's. A refusal of either is journaled ({@code ModelRejected}, {@code PolicyRejected}) and the shadow runs no
     * challenger ({@link ShadowSwitch#NONE}): half a challenger would be compared as if it were the whole one.
     */
    private ShadowSwitch shadowTarget(JsonNode assignment, Switch waiting, long revision, String via) {
        if (!"shadow".equals(assignment.path("challengerMode").asText(null))) {
            return ShadowSwitch.NONE;
        }
        String model = sha(assignment, "challengerModelSha256");
        // Without a policy installer this edge follows models only: a challenger policy is not its to run.
        String policy = policies == null ? null : sha(assignment, "challengerPolicySha256");
        if (model == null && policy == null) {
            return ShadowSwitch.NONE;
        }
        if ((model != null && refused.contains(model)) || (policy != null && refused.contains(policy))) {
            return ShadowSwitch.NONE;
        }
        if (java.util.Objects.equals(model, servingChallengerModelSha256) && java.util.Objects.equals(policy, servingChallengerPolicySha256)) {
            // What the shadow runs already: nothing to download or verify again.
            return new ShadowSwitch(model, null, policy, servingChallengerPolicy);
        }
        ShadowSwitch held = waiting == null ? null : waiting.shadow();
        ReleasedPolicyInstaller.Verified verifiedPolicy = null;
        if (policy != null) {
            if (held != null && policy.equals(held.policySha256())) {
                verifiedPolicy = held.policy();
            } else if (policy.equals(servingChallengerPolicySha256) && servingChallengerPolicy != null) {
                verifiedPolicy = servingChallengerPolicy;
            } else {
                ReleasedPolicyInstaller.Outcome outcome = policies.activateOrKeep(null, policy);
                if (outcome.rejected().isPresent()) {
                    refused.add(policy);
                    refusals.add(outcome.rejected().get());
                    log.accept("assignment revision " + revision + " (" + via + "): challenger policy " + policy + " refused: "
                            + outcome.rejected().get().reason() + "; the shadow runs no challenger, the champion is unaffected");
                    return ShadowSwitch.NONE;
                }
                verifiedPolicy = outcome.serving();
            }
        }
        ActivatedModel verifiedModel = null;
        if (model != null && !model.equals(servingChallengerModelSha256)) {
            if (held != null && held.model() != null && model.equals(held.modelSha256())) {
                verifiedModel = held.model();
            } else {
                verifiedModel = shadowModel(model, revision, via);
                if (verifiedModel == null) {
                    return ShadowSwitch.NONE;
                }
            }
        }
        log.accept("assignment revision " + revision + " (" + via + "): shadow challenger " + (model == null ? "policy-only" : "model " + model)
                + (verifiedPolicy == null ? "" : " with policy " + verifiedPolicy.policy().version() + " " + policy) + " verified");
        return new ShadowSwitch(model, verifiedModel, policy, verifiedPolicy);
    }

    /** A challenger model installed and warmed up on this thread, or null when refused (journaled, not tried again). */
    private ActivatedModel shadowModel(String sha256, long revision, String via) {
        ReleasedModelInstaller.Outcome outcome = installer.activateOrKeep(null, sha256, "shadow", config);
        if (outcome.rejected().isPresent()) {
            refused.add(sha256);
            refusals.add(outcome.rejected().get());
            log.accept("assignment revision " + revision + " (" + via + "): challenger model " + sha256 + " refused: "
                    + outcome.rejected().get().reason() + "; the shadow runs no challenger, the champion is unaffected");
            return null;
        }
        ActivatedModel m = outcome.serving();
        try {
            warmUp.accept(m);
        } catch (RuntimeException e) {
            m.detector().close();
            throw e;
        }
        return m;
    }

    /** Closes the challenger model a replaced waiting switch held, unless the new target took it over. */
    private static void closeUnlessKept(Switch waiting, ShadowSwitch target) {
        if (waiting != null && waiting.shadow() != null && waiting.shadow().model() != null && waiting.shadow().model() != target.model()) {
            waiting.shadow().model().detector().close();
        }
    }

    private static String sha(JsonNode assignment, String field) {
        String v = assignment.path(field).asText(null);
        return v == null || v.isBlank() ? null : v;
    }

    private void closeMqtt() {
        if (mqtt == null) {
            return;
        }
        try {
            if (mqtt.isConnected()) {
                mqtt.disconnect(1_000);
            }
            mqtt.close();
        } catch (MqttException e) {
            // closing anyway
        }
        mqtt = null;
    }

    @Override
    public void close() {
        closed = true;
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        closeMqtt();
        Switch left = pending.getAndSet(null);
        if (left != null && left.model() != null) {
            left.model().detector().close();
        }
        if (left != null && left.shadow() != null && left.shadow().model() != null) {
            left.shadow().model().detector().close();
        }
    }
}
