package io.sightline.inference;

/** Receives the events the edge perception produces, in order. */
@FunctionalInterface
public interface EventSink {
    EventSink NONE = e -> { };

    void emit(ProducedEvent event);
}
