package dev.skbscope.sources;

import dev.skbscope.engine.event.EventBatch;

import java.io.IOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Reads a source on its own thread while the caller's thread consumes the filled batches, so that
 * decoding and the stats engine use two cores. One producer thread (started here), one consumer
 * (the caller of {@link #take}); batches circulate between two queues and are never allocated anew.
 */
public final class BatchPipe implements AutoCloseable {
    private static final EventBatch END = new EventBatch(0);
    private final BlockingQueue<EventBatch> full;
    private final BlockingQueue<EventBatch> empty;
    private final Thread reader;
    private volatile IOException failure;

    public BatchPipe(EventSource source, int batches, int batchSize) {
        full = new ArrayBlockingQueue<>(batches + 1);
        empty = new ArrayBlockingQueue<>(batches);
        for (int i = 0; i < batches; i++) empty.add(new EventBatch(batchSize));
        reader = Thread.ofPlatform().name("replay-reader").daemon().start(() -> {
            try {
                while (true) {
                    EventBatch b = empty.take();
                    b.reset();
                    int n = source.poll(b);
                    if (n < 0) break;
                    if (n > 0) full.put(b);
                    else empty.put(b);
                }
            } catch (IOException e) {
                failure = e;
            } catch (RuntimeException e) {   // a reader bug: report it as one line, not a stack trace
                failure = new IOException("internal error while reading: " + e, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                full.offer(END);
            }
        });
    }

    /** The next filled batch, or null at the end; give it back with {@link #release}. */
    public EventBatch take() throws IOException, InterruptedException {
        EventBatch b = full.take();
        if (b == END) {
            full.offer(END);
            if (failure != null) throw failure;
            return null;
        }
        return b;
    }

    public void release(EventBatch b) { empty.offer(b); }

    @Override public void close() { reader.interrupt(); }
}
