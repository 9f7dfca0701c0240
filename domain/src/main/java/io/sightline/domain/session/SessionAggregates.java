package io.sightline.domain.session;

import io.sightline.domain.apps.SessionApplicationLog;
import io.sightline.domain.review.SessionReviewLog;
import java.util.Optional;

/**
 * The drive session an aggregate's events belong to. A session's edge events live in the
 * {@code DriveSession} aggregate under the session id; what the cloud adds about a session lives
 * beside it under ids derived from it: reviews in {@code <sessionId>/reviews}, a cloud-side safety
 * application's decisions in {@code <sessionId>/apps/<application>}. Projections, traces and
 * streams that key by session read them through here.
 */
public final class SessionAggregates {

    private SessionAggregates() {
    }

    /** The drive session of an aggregate: the session of a review or application log, else the id itself. */
    public static String driveSessionOf(String aggregateId) {
        return logOf(aggregateId).orElse(aggregateId);
    }

    /** The session of a log kept beside a session, or empty when {@code aggregateId} is no such log. */
    public static Optional<String> logOf(String aggregateId) {
        Optional<String> review = SessionReviewLog.sessionIdOf(aggregateId);
        return review.isPresent() ? review : SessionApplicationLog.sessionIdOf(aggregateId);
    }
}
