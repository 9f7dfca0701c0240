package io.sightline.domain.event;

import java.util.List;
import org.axonframework.serialization.Revision;

/**
 * A confirmed alert's evidence window was replayed through a rollout's challenger (issue 17 §3,
 * ADR-0040): the window's frames (the stored clip, or the JPEG frames of an old-form session) went
 * through the challenger's model, tracker, range/TTC and policy, and through the champion's the same
 * way, from a cold start at the window's first frame. Stored in the rollout's stream.
 *
 * <p>{@code outcome}: {@code RAISED} the challenger raised the alert's kind within ±0.5 s of the
 * alert; {@code MISSED} it did not while the champion's own replay did; {@code INCONCLUSIVE} the
 * champion's replay did not raise it either (the window, started cold, is too short to judge), so
 * the replay says nothing about the challenger.
 *
 * @param evidenceForm         {@code clip} or {@code jpeg}
 * @param evidenceSha256       the clip's sha256, or the first JPEG's
 * @param framesReplayed       frames decoded and run through each side
 * @param challengerPolicyVersion the policy the challenger decided with (the plan's challenger policy, else the champion's)
 * @param challengerRaisedAtNanos the challenger's alert paired with the confirmed one (edge clock), or -1
 * @param challengerTtcS       TTC of the challenger's raising assessment, or null
 * @param championTtcS         TTC of the confirmed alert's raising assessment as stored, or null
 * @param ttcDifferenceS       challengerTtcS − championTtcS, or null
 * @param causes               the AlertReviewed, the AlertRaised and the evidence (EvidenceClipRecorded or the first FrameCaptured)
 */
@Revision("1")
public record ReviewedAlertReplayed(
        String rolloutId,
        String alertEventId,
        String reviewEventId,
        String sessionId,
        String vehicleId,
        String kind,
        long alertRaisedAtNanos,
        String evidenceForm,
        String evidenceSha256,
        int framesReplayed,
        String challengerModelSha256,
        String challengerPolicyVersion,
        String outcome,
        boolean championReplayRaised,
        boolean challengerRaised,
        long challengerRaisedAtNanos,
        Double challengerTtcS,
        Double championTtcS,
        Double ttcDifferenceS,
        long replayedAtNanos,
        List<String> causes) implements DerivedEvent {

    public static final String RAISED = "RAISED";
    public static final String MISSED = "MISSED";
    public static final String INCONCLUSIVE = "INCONCLUSIVE";
    public static final String CLIP = "clip";
    public static final String JPEG = "jpeg";

    public ReviewedAlertReplayed {
        if (!RAISED.equals(outcome) && !MISSED.equals(outcome) && !INCONCLUSIVE.equals(outcome)) {
            throw new IllegalArgumentException("outcome must be RAISED, MISSED or INCONCLUSIVE, got " + outcome);
        }
        if (!CLIP.equals(evidenceForm) && !JPEG.equals(evidenceForm)) {
            throw new IllegalArgumentException("evidenceForm must be clip or jpeg, got " + evidenceForm);
        }
        if (RAISED.equals(outcome) != challengerRaised) {
            throw new IllegalArgumentException("outcome " + outcome + " contradicts challengerRaised " + challengerRaised);
        }
        causes = List.copyOf(causes);
    }

    /** A replay that counts against the challenger. */
    public boolean missed() {
        return MISSED.equals(outcome);
    }
}
