package dev.skbscope.kernel.abi;

import dev.skbscope.libbpf.BpfObject;
import dev.skbscope.libbpf.Btf;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Java mirrors of the kernel/user ABI against the committed BPF object's own BTF (what the
 * programs were compiled with): every offset and size of {@code struct skbscope_event},
 * {@code struct skbscope_filter} and {@code struct skbscope_config}. Reads the object with libbpf;
 * needs no privileges and no kernel.
 */
class AbiLayoutTest {

    @Test
    void descriptorsMatchTheObjectsBtf() throws Exception {
        try (BpfObject obj = BpfObject.open(Files.readAllBytes(Path.of("src/main/resources/bpf/skbscope.bpf.o")), "abi_test");
             Btf btf = Btf.of(obj)) {
            check(btf, "skbscope_event", EventDescriptor.SIZE, Map.ofEntries(
                    entry("ts_ns", EventDescriptor.TS_NS), entry("skb_id", EventDescriptor.SKB_ID),
                    entry("session_mask", EventDescriptor.SESSION_MASK), entry("netns", EventDescriptor.NETNS),
                    entry("ifindex", EventDescriptor.IFINDEX), entry("len", EventDescriptor.LEN),
                    entry("drop_reason", EventDescriptor.DROP_REASON), entry("pid", EventDescriptor.PID),
                    entry("probe", EventDescriptor.PROBE), entry("cpu", EventDescriptor.CPU), entry("hook", EventDescriptor.HOOK),
                    entry("verdict", EventDescriptor.VERDICT), entry("ip_version", EventDescriptor.IP_VERSION),
                    entry("proto", EventDescriptor.PROTO), entry("sport", EventDescriptor.SPORT), entry("dport", EventDescriptor.DPORT),
                    entry("src", EventDescriptor.SRC), entry("dst", EventDescriptor.DST), entry("tcp_flags", EventDescriptor.TCP_FLAGS),
                    entry("flags", EventDescriptor.FLAGS), entry("weight", EventDescriptor.WEIGHT), entry("pf", EventDescriptor.PF)));
            check(btf, "skbscope_filter", FilterDescriptor.SIZE, Map.ofEntries(
                    entry("flags", FilterDescriptor.FLAGS), entry("proto", FilterDescriptor.PROTO),
                    entry("src_ver", FilterDescriptor.SRC_VER), entry("dst_ver", FilterDescriptor.DST_VER),
                    entry("host_ver", FilterDescriptor.HOST_VER), entry("sport", FilterDescriptor.SPORT),
                    entry("dport", FilterDescriptor.DPORT), entry("port", FilterDescriptor.PORT),
                    entry("ifindex", FilterDescriptor.IFINDEX), entry("netns", FilterDescriptor.NETNS),
                    entry("src_net", FilterDescriptor.SRC_NET), entry("dst_net", FilterDescriptor.DST_NET),
                    entry("host_net", FilterDescriptor.HOST_NET)));
            check(btf, "skbscope_config", ConfigDescriptor.SIZE, Map.of(
                    "active_sessions", ConfigDescriptor.ACTIVE_SESSIONS, "device_sessions", ConfigDescriptor.DEVICE_SESSIONS,
                    "nr_slots", ConfigDescriptor.NR_SLOTS, "sample_mask", ConfigDescriptor.SAMPLE_MASK,
                    "bracket_ns", ConfigDescriptor.BRACKET_NS));
        }
    }

    private static void check(Btf btf, String struct, int size, Map<String, Integer> offsets) {
        assertThat(btf.size(struct, Btf.KIND_STRUCT)).as("sizeof(struct " + struct + ")").isEqualTo(size);
        offsets.forEach((field, offset) -> {
            Btf.Field f = btf.field(struct, Btf.KIND_STRUCT, field);
            assertThat(f).as(struct + "." + field + " in the object's BTF").isNotNull();
            assertThat(f.offset()).as("offsetof(struct " + struct + ", " + field + ")").isEqualTo((long) offset);
        });
    }
}
