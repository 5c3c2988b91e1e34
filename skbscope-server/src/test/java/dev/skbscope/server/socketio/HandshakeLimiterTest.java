package dev.skbscope.server.socketio;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The handshake budget per address: a burst, then a steady rate, on an injected clock. */
class HandshakeLimiterTest {
    final AtomicLong now = new AtomicLong(1_000_000_000L);
    final HandshakeLimiter limiter = new HandshakeLimiter(10, 5, now::get);

    @Test
    void aBurstThenTheRate() {
        for (int i = 0; i < 5; i++) assertThat(limiter.tryAcquire("a")).isTrue();
        assertThat(limiter.tryAcquire("a")).isFalse();
        assertThat(limiter.retryAfterSeconds("a")).isEqualTo(1);
        now.addAndGet(99_000_000);   // 0.99 handshakes earned
        assertThat(limiter.tryAcquire("a")).isFalse();
        now.addAndGet(2_000_000);
        assertThat(limiter.tryAcquire("a")).isTrue();
        assertThat(limiter.tryAcquire("a")).isFalse();
        now.addAndGet(10_000_000_000L);   // long idle: back to the burst, not more
        int n = 0;
        while (limiter.tryAcquire("a")) n++;
        assertThat(n).isEqualTo(5);
    }

    @Test
    void addressesHaveTheirOwnBudgets() {
        for (int i = 0; i < 5; i++) limiter.tryAcquire("a");
        assertThat(limiter.tryAcquire("a")).isFalse();
        assertThat(limiter.tryAcquire("b")).isTrue();
    }

    @Test
    void manyAddressesDoNotGrowTheTableWithoutBound() {
        for (int i = 0; i < 50_000; i++) assertThat(limiter.tryAcquire("10.0." + (i >> 8) + "." + (i & 255))).isTrue();
        assertThat(limiter.tryAcquire("c")).isTrue();
    }
}
