package dev.skbscope.engine.event;

/**
 * A pre-allocated, reusable batch of events, filled by one source thread and then handed whole to
 * the engine so that locking and hand-off cost once per batch, not per event. Not thread-safe.
 */
public final class EventBatch {
    private final TraceEvent[] events;
    private int size;

    public EventBatch(int capacity) {
        events = new TraceEvent[capacity];
        for (int i = 0; i < capacity; i++) events[i] = new TraceEvent();
    }

    /** Clears and returns the next free slot, or {@code null} when the batch is full. */
    public TraceEvent next() {
        if (size == events.length) return null;
        return events[size++].clear();
    }

    /** Gives back the slot returned by the last {@link #next()} (e.g. the line turned out bad). */
    public void undoNext() { if (size > 0) size--; }

    public TraceEvent get(int i) { return events[i]; }
    public int size() { return size; }
    public int capacity() { return events.length; }
    public boolean isFull() { return size == events.length; }
    public void reset() { size = 0; }

    public void drainTo(EventSink sink) {
        for (int i = 0; i < size; i++) sink.accept(events[i]);
    }
}
