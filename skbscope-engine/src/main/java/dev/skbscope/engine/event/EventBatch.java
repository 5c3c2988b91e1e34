package dev.skbscope.engine.event;

/**
 * A pre-allocated, reusable batch of events, filled by one source thread and then handed whole to
 * the engine so that locking and hand-off cost once per batch, not per event. Not thread-safe.
 */
public final class EventBatch {
    private final TraceEvent[] events;
    private int size;
    /** The source's clock when it filled the batch (same clock as the events' ts_ns), 0 = unknown. */
    private long clockNs;

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
    public void reset() {
        size = 0;
        clockNs = 0;
    }

    /**
     * The source's clock (the clock of the events' {@code ts_ns}) when it filled this batch, or 0 if
     * it does not know. A live source sets it on every poll, events or not, so that the engine's time
     * moves on while nothing arrives (idle packets expire).
     */
    public long clockNs() { return clockNs; }
    public void clockNs(long ns) { clockNs = ns; }

    public void drainTo(EventSink sink) {
        for (int i = 0; i < size; i++) sink.accept(events[i]);
    }
}
