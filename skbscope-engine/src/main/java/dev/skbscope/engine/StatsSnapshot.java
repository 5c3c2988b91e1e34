package dev.skbscope.engine;

/**
 * Immutable copy of one session's stats, serialised by a plain Jackson ObjectMapper to the
 * {@code stats} object of spec section 4. STUB: the engine work fills this in.
 */
public record StatsSnapshot(long totalPackets, long totalEvents) { }
