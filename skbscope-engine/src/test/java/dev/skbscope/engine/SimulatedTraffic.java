package dev.skbscope.engine;

import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.event.Hook;
import dev.skbscope.engine.event.SourceCounters;
import dev.skbscope.engine.event.TraceEvent;
import dev.skbscope.engine.event.Verdict;

import java.util.ArrayList;
import java.util.List;

/**
 * A session fed one simulated second at a time, with a tracker on a test clock: each second a
 * number of packets go NAPI → PREROUTING → INPUT, each node taking a chosen latency, and a chosen
 * share of them is dropped at INPUT (a DROP verdict, then kfree_skb with a reason). Not thread-safe.
 */
public final class SimulatedTraffic {
    private final long[] clock = {1_000_000_000_000L};
    private final SourceCounters source = new SourceCounters("simulated");
    private final SessionStatsTracker tracker = new SessionStatsTracker(SessionConfig.defaults("sim", "full"), source, () -> clock[0]);
    private long nextSkb = 1;
    private long eventNs = 5_000_000_000L;
    private int errorsPerSecond;

    public int packetsPerSecond = 1000;
    public double dropShare;
    public double latencyUs = 10;
    public String dropReason = "NETFILTER_DROP";

    /** Each further second also carries this many events whose timestamp goes backwards. */
    public SimulatedTraffic errors(int perSecond) {
        errorsPerSecond = perSecond;
        return this;
    }

    /** The source reports this many more lost events. */
    public void lose(long events) { source.lostEvents.addAndGet(events); }

    public void sampleOneIn(int n) { source.sampleOneIn.set(n); }

    /** Feeds one second of traffic, advances the clock by 1 s and returns the snapshot then. */
    public StatsSnapshot second() {
        List<TraceEvent> events = new ArrayList<>();
        long step = packetsPerSecond == 0 ? 0 : 1_000_000_000L / packetsPerSecond;
        long lat = Math.round(latencyUs * 1000);
        int drops = (int) Math.round(packetsPerSecond * dropShare);
        for (int i = 0; i < packetsPerSecond; i++) {
            long skb = nextSkb++;
            long t = eventNs + i * step;
            events.add(ev(t, skb, "netif_receive_skb", Hook.NONE, Verdict.NONE));
            events.add(ev(t + lat, skb, "nf_hook_slow", Hook.PREROUTING, Verdict.ACCEPT));
            boolean drop = i < drops;
            events.add(ev(t + 2 * lat, skb, "nf_hook_slow", Hook.INPUT, drop ? Verdict.DROP : Verdict.ACCEPT));
            if (drop) {
                TraceEvent k = ev(t + 3 * lat, skb, "kfree_skb", Hook.NONE, Verdict.NONE);
                k.dropReason = dev.skbscope.engine.event.SymbolTable.DROP_REASONS.intern(dropReason);
                events.add(k);
            } else {
                events.add(ev(t + 3 * lat, skb, "consume_skb", Hook.NONE, Verdict.NONE));
            }
        }
        for (int i = 0; i < errorsPerSecond; i++) {
            long skb = nextSkb++;
            long t = eventNs + i * 1000;
            events.add(ev(t + 500, skb, "netif_receive_skb", Hook.NONE, Verdict.NONE));
            events.add(ev(t, skb, "nf_hook_slow", Hook.PREROUTING, Verdict.ACCEPT));   // earlier than the last: an error
            events.add(ev(t + 1000, skb, "consume_skb", Hook.NONE, Verdict.NONE));
        }
        EventBatch batch = new EventBatch(256);
        for (TraceEvent e : events) {
            batch.next().copyFrom(e);
            if (batch.isFull()) { tracker.ingest(batch); batch.reset(); }
        }
        if (batch.size() > 0) tracker.ingest(batch);
        eventNs += 1_000_000_000L;
        clock[0] += 1_000_000_000L;
        return tracker.snapshot();
    }

    private static TraceEvent ev(long ts, long skb, String probe, Hook h, Verdict v) {
        TraceEvent e = new TraceEvent();
        e.tsNs = ts;
        e.skb = skb;
        e.hasSkb = true;
        e.probe = dev.skbscope.engine.event.SymbolTable.PROBES.intern(probe);
        e.hook = h;
        e.verdict = v;
        return e;
    }
}
