package dev.skbscope.sources;

import dev.skbscope.engine.RuleTextLookup;
import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.event.SourceCounters;
import dev.skbscope.engine.event.TraceEvent;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class MergedSourceTest {
    /** Hands out its queued skbs, a fixed number per poll; -1 once closed or when told to end. */
    static final class Queue implements EventSource {
        final SourceCounters counters = new SourceCounters("q");
        final Deque<Long> skbs = new ArrayDeque<>();
        final Map<String, String> unobserved;
        final RuleTextLookup text;
        boolean ended, closed, fail;

        Queue(Map<String, String> unobserved, RuleTextLookup text) { this.unobserved = unobserved; this.text = text; }

        @Override public int poll(EventBatch batch) throws IOException {
            if (fail) throw new IOException("gone");
            if (ended || closed) return -1;
            int n = 0;
            while (!skbs.isEmpty() && batch.size() < batch.capacity()) {
                TraceEvent e = batch.next();
                e.skb = skbs.poll();
                n++;
            }
            return n;
        }
        @Override public SourceCounters counters() { return counters; }
        @Override public Map<String, String> unobservedNodes() { return unobserved; }
        @Override public RuleTextLookup ruleTextLookup() { return text; }
        @Override public void close() { closed = true; }
    }

    @Test
    void pollsBothKeepsRoomForThePrimaryAndEndsWithIt() throws IOException {
        Queue kernel = new Queue(Map.of("nf_input", "fentry refused", "socket", "fentry refused"), null);
        Queue nft = new Queue(Map.of("socket", "nft"), (t, c, h) -> "rule " + h);
        kernel.counters.detail("live full");
        MergedSource m = new MergedSource(kernel, nft, Set.of("nf_input", "nf_output"), "verdicts from nftables trace");
        assertThat(m.unobservedNodes()).isEqualTo(Map.of("socket", "fentry refused"));
        assertThat(m.counters()).isSameAs(kernel.counters);
        assertThat(m.counters().detail()).isEqualTo("live full; verdicts from nftables trace");
        assertThat(m.ruleTextLookup().text("t", "c", 3)).isEqualTo("rule 3");

        for (long i = 0; i < 10; i++) { kernel.skbs.add(i); nft.skbs.add(100 + i); }
        EventBatch batch = new EventBatch(8);
        assertThat(m.poll(batch)).isEqualTo(8);
        assertThat(batch.size()).isEqualTo(8);
        // the secondary gets at most half: the primary always finds room
        long fromNft = 0;
        for (int i = 0; i < batch.size(); i++) if (batch.get(i).skb >= 100) fromNft++;
        assertThat(fromNft).isEqualTo(4);

        nft.counters.lostEvents.set(3);
        batch.reset();
        m.poll(batch);
        assertThat(m.counters().lostEvents.get()).isEqualTo(3);

        nft.fail = true; // a failing secondary leaves the primary alone
        batch.reset();
        assertThat(m.poll(batch)).isEqualTo(batch.size());
        kernel.ended = true;
        batch.reset();
        assertThat(m.poll(batch)).isEqualTo(-1);
        m.close();
        assertThat(kernel.closed).isTrue();
        assertThat(nft.closed).isTrue();
    }
}
