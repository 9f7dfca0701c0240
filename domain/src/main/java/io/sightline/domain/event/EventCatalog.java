package io.sightline.domain.event;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Every event type of the catalog, by its wire name (the simple class name, which never moves).
 * {@code docs/events.md} must list exactly these; {@code EventCatalogDocTest} keeps them in sync.
 */
public final class EventCatalog {

    public static final List<Class<? extends SightlineEvent>> TYPES = List.of(
            DriveSessionStarted.class,
            DriveSessionEnded.class,
            ModelActivated.class,
            ModelRejected.class,
            PolicyRejected.class,
            InferenceFailed.class,
            FallbackEngaged.class,
            PrimaryRestored.class,
            FrameCaptured.class,
            EvidenceClipRecorded.class,
            DetectionObserved.class,
            VehicleStateSampled.class,
            TrackStarted.class,
            TrackUpdated.class,
            TrackLost.class,
            RiskAssessed.class,
            AlertRaised.class,
            AlertCleared.class,
            AlertSuppressed.class,
            ActuationCommanded.class,
            FramesDropped.class,
            StageDeadlineMissed.class,
            EdgeWindowSummarized.class,
            CameraObstructed.class,
            CameraRestored.class,
            InputRejected.class,
            AlertReviewed.class,
            MissedEventReported.class,
            EvaluationCompleted.class,
            DriftDetected.class,
            DriftCleared.class,
            DriftReferencePinned.class,
            LatencyRegressionDetected.class,
            ModelVersionRegistered.class,
            PolicyVersionRegistered.class,
            VehicleAssigned.class,
            RolloutStarted.class,
            RolloutStepAdvanced.class,
            RolloutHalted.class,
            RolloutResumed.class,
            RolloutRolledBack.class,
            RolloutCompleted.class,
            ReviewedAlertReplayed.class,
            RolloutRollbackConfirmed.class,
            RolloutRollbackUnconfirmed.class,
            TierGapDeclared.class,
            CloudApplicationRan.class,
            ShadowDetectionsObserved.class,
            ShadowTracksUpdated.class,
            ShadowRiskAssessed.class,
            ShadowAlertRaised.class,
            ShadowFramesDropped.class,
            ShadowSamplingChanged.class);

    private static final Map<String, Class<? extends SightlineEvent>> BY_NAME =
            TYPES.stream().collect(Collectors.toUnmodifiableMap(Class::getSimpleName, Function.identity()));

    private EventCatalog() {
    }

    public static Optional<Class<? extends SightlineEvent>> byName(String typeName) {
        return Optional.ofNullable(BY_NAME.get(typeName));
    }

    public static String nameOf(SightlineEvent event) {
        return nameOf(event.getClass());
    }

    /** The catalog name of an event type, known before its payload is deserialised. */
    public static String nameOf(Class<? extends SightlineEvent> type) {
        return type.getSimpleName();
    }
}
