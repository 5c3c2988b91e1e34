package dev.skbscope.sources.recording;

import dev.skbscope.engine.event.EventBatch;
import dev.skbscope.engine.packet.PacketPage;
import dev.skbscope.engine.packet.PacketQuery;
import dev.skbscope.engine.packet.PacketQueryParser;
import dev.skbscope.engine.packet.PacketView;
import dev.skbscope.sources.synthetic.SyntheticConfig;
import dev.skbscope.sources.synthetic.SyntheticSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The journeys-only index ({@link RecordingPackets#index}) gives exactly the packets of the whole
 * engine's replay ({@link RecordingPackets#load}): the same ids, hops, times, verdicts and ends.
 */
class RecordingIndexTest {

    /** Every packet of the recording, newest first, as whole journeys. */
    private static List<PacketView> all(RecordingPackets rec) {
        List<PacketView> out = new ArrayList<>();
        long before = Long.MAX_VALUE;
        while (true) {
            PacketPage page = rec.packets(PacketQuery.ANY, before, 1000, true);
            if (page.count() == 0) return out;
            out.addAll(page.packets());
            if (page.nextCursor() == null) return out;
            before = PacketQueryParser.parse(Map.of("cursor", List.of(page.nextCursor())), Set.of()).before();
        }
    }

    private static void sameJourneys(Path file, RecordingFormat format, Integer maxTracked, int minPackets) throws Exception {
        RecordingPackets full = RecordingPackets.load(file, format, maxTracked, RecordingPackets.DEFAULT_KEEP, null);
        RecordingPackets index = RecordingPackets.index(file, format, maxTracked, RecordingPackets.DEFAULT_KEEP);
        List<PacketView> expected = all(full), actual = all(index);
        assertThat(expected).hasSizeGreaterThanOrEqualTo(minPackets);
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) assertThat(actual.get(i)).as("packet %s", expected.get(i).id()).isEqualTo(expected.get(i));
        assertThat(index.totalPackets()).isEqualTo(full.stats().totalPackets());
        assertThat(index.totalEvents()).isEqualTo(full.stats().totalEvents());
        assertThat(index.firstNs()).isEqualTo(full.firstNs());
        assertThat(index.lastNs()).isEqualTo(full.lastNs());
        assertThat(index.stats()).as("an index keeps journeys only").isNull();
    }

    @Test
    void theSpecSampleGivesTheSamePackets() throws Exception {
        sameJourneys(Recordings.resource("sample-full.jsonl"), RecordingFormat.AUTO, null, 5);
    }

    @Test
    void retisAndPwruFilesGiveTheSamePackets() throws Exception {
        sameJourneys(Recordings.resource("retis-sample.json"), RecordingFormat.AUTO, null, 1);
        sameJourneys(Recordings.resource("pwru-sample.json"), RecordingFormat.AUTO, null, 1);
    }

    /** Drops, every path, and (with few packets tracked) evictions and their journeys. */
    @Test
    void aSyntheticRecordingGivesTheSamePacketsWithEvictions(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("synth.jsonl");
        try (SyntheticSource source = new SyntheticSource(new SyntheticConfig(20_000, 7, 0.1, 0.5, false));
             RecordingWriter writer = new RecordingWriter(file, Map.of("mode", "full"))) {
            EventBatch batch = new EventBatch(4096);
            int n;
            while ((n = source.poll(batch)) >= 0) {
                for (int i = 0; i < n; i++) writer.write(batch.get(i));
                batch.reset();
            }
        }
        sameJourneys(file, RecordingFormat.AUTO, 4, 5000);
        List<PacketView> packets = all(RecordingPackets.index(file, RecordingFormat.AUTO, 4, RecordingPackets.DEFAULT_KEEP));
        assertThat(packets).extracting(PacketView::end).contains("completed", "dropped", "evicted");
    }
}
