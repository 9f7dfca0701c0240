package io.sightline.domain.event;

import java.util.List;

/**
 * An event computed from other events. {@link #causes()} holds the producer-assigned ids of the
 * events it was computed from, so the causal trace of any alert can be rebuilt from the store
 * alone (ADR-0002).
 */
public interface DerivedEvent extends SightlineEvent {

    List<String> causes();
}
