package dev.skbscope.server.socketio;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Rate limit of Socket.IO handshakes that carry no valid token, per client address: a token
 * bucket of {@code burst} handshakes refilled at {@code perSecond}. Bounds how fast one address can
 * make the server hold engine.io sessions it cannot yet authenticate. Thread-safe (container
 * threads), one lock; the table forgets addresses whose bucket is full again.
 */
final class HandshakeLimiter {
    /** Addresses remembered at most; past it the table is swept of full buckets. */
    private static final int MAX_ADDRESSES = 10_000;

    private final double perNano;
    private final double burst;
    private final LongSupplier clock;
    private final Map<String, double[]> buckets = new HashMap<>();   // address -> {tokens, lastNanos}

    HandshakeLimiter(double perSecond, int burst, LongSupplier nanoClock) {
        this.perNano = perSecond / 1e9;
        this.burst = burst;
        this.clock = nanoClock;
    }

    /** Takes one handshake from the address's budget; false when it has none left. */
    synchronized boolean tryAcquire(String address) {
        long now = clock.getAsLong();
        double[] b = buckets.get(address);
        if (b == null) {
            if (buckets.size() >= MAX_ADDRESSES) sweep(now);
            b = new double[] {burst, now};
            buckets.put(address, b);
        }
        b[0] = Math.min(burst, b[0] + (now - (long) b[1]) * perNano);
        b[1] = now;
        if (b[0] < 1) return false;
        b[0] -= 1;
        return true;
    }

    /** Seconds until the address may try again (for Retry-After), at least 1. */
    synchronized long retryAfterSeconds(String address) {
        double[] b = buckets.get(address);
        if (b == null || b[0] >= 1) return 1;
        return Math.max(1, (long) Math.ceil((1 - b[0]) / perNano / 1e9));
    }

    private void sweep(long now) {
        for (Iterator<double[]> it = buckets.values().iterator(); it.hasNext(); ) {
            double[] b = it.next();
            if (b[0] + (now - (long) b[1]) * perNano >= burst) it.remove();
        }
        // all addresses busy (a flood from many addresses): start over rather than grow without bound
        if (buckets.size() >= MAX_ADDRESSES) buckets.clear();
    }
}
