package dev.skbscope.engine.packet;

/**
 * Receives finished journeys from a {@link JourneyRecorder}, on the recorder's writer thread. The
 * record is a scratch copy, valid only during the call: copy what you keep.
 */
@FunctionalInterface
public interface JourneySink {
    void finished(JourneyColumns journey, int row);
}
