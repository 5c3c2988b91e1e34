package dev.skbscope.engine.event;

/** Receives events one at a time on the caller's thread; must not keep the event after returning. */
@FunctionalInterface
public interface EventSink {
    void accept(TraceEvent event);
}
