package dev.skbscope.server;

import dev.skbscope.sources.live.KernelTestGate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Live sessions leave nothing in the kernel, in any namespace: no netfilter link, no tcx link, no
 * classic tc filter, no nftables table, whether the server stops its sessions, gets SIGTERM, or is
 * killed with SIGKILL (then the next start removes what only a process can: the nftables tables and
 * classic filters; links die with the process). A child JVM ({@link LiveSessionsProcess}) holds the
 * sessions; the namespaces are {@link NatTopology}'s.
 */
@Tag("kernel")
class LeftoversKernelTest {
    private static NatTopology net;

    @BeforeAll
    static void setUp() throws IOException {
        KernelTestGate.requireRoot("the leftovers test");
        LiveBackends live = LiveBackends.load();
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> modes = (Map<String, Map<String, Object>>) live.capabilities().get("modes");
        for (String m : List.of("full", "nft")) {
            KernelTestGate.require("live mode " + m, Boolean.TRUE.equals(modes.get(m).get("available")) ? null
                    : String.valueOf(modes.get(m).get("reason")));
        }
        live.shutdown();
        net = new NatTopology();
    }

    @AfterAll
    static void tearDown() {
        if (net != null) net.close();
    }

    @Test
    void anOrderlyStopLeavesNothing() throws Exception {
        Process p = start(false);
        assertPresent(false);
        p.getOutputStream().write('\n');
        p.getOutputStream().flush();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertGone(false);
    }

    @Test
    void sigtermLeavesNothing() throws Exception {
        Process p = start(false);
        assertPresent(false);
        p.destroy(); // SIGTERM
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertGone(false);
    }

    @Test
    void afterSigkillTheNextStartRemovesWhatWasLeft() throws Exception {
        Process p = start(true);
        assertPresent(true);
        p.destroyForcibly(); // SIGKILL: no shutdown hook runs
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        // links are file descriptors: gone with the process; tables and classic filters stay
        assertThat(ourLinks()).as("links of a killed process").isEmpty();
        assertThat(tablesEverywhere()).as("nftables tables a killed process leaves").isNotEmpty();
        assertThat(classicFilters()).as("classic tc filters a killed process leaves").isNotEmpty();
        // the next start cleans up (and then stops in order)
        Process next = start(true);
        next.getOutputStream().write('\n');
        next.getOutputStream().flush();
        assertThat(next.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertGone(true);
    }

    /** Starts the child; with {@code classic}, TC ingress/egress use classic clsact filters instead of tcx links. */
    private static Process start(boolean classic) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path")));
        if (classic) cmd.add("-Dskbscope.kernel.tc=classic");
        cmd.add(LiveSessionsProcess.class.getName());
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null && !line.equals("ready")) { /* skip */ }
        assertThat(line).as("the child got its sessions up").isEqualTo("ready");
        return p;
    }

    private static void assertPresent(boolean classic) throws IOException {
        // netfilter links (and tcx links unless classic) in every namespace: many per namespace
        assertThat(ourLinks()).as("netfilter and tc links").hasSizeGreaterThan(3 * 12);
        if (classic) assertThat(classicFilters()).as("classic filters").isNotEmpty();
        assertThat(tablesEverywhere()).as("nft tables in the client, router and server namespaces").hasSizeGreaterThanOrEqualTo(3);
    }

    private static void assertGone(boolean classic) throws IOException {
        assertThat(ourLinks()).as("links left").isEmpty();
        assertThat(tablesEverywhere()).as("nftables tables left").isEmpty();
        assertThat(classicFilters()).as("classic tc filters left").isEmpty();
    }

    /** Links (of any type) to skbscope's netfilter and tc programs, by bpftool's JSON. */
    private static List<String> ourLinks() throws IOException {
        java.util.Set<Long> ours = new java.util.HashSet<>();
        for (com.fasterxml.jackson.databind.JsonNode p : ServerJson.MAPPER.readTree(NatTopology.sh("bpftool", "-j", "prog", "show"))) {
            String name = p.path("name").asText("");
            if (name.startsWith("nf_hook_") || name.startsWith("nf_conntrack_") || name.startsWith("nf_dnat_")
                    || name.startsWith("nf_snat_") || name.startsWith("nf_calib_") || name.startsWith("tcx_")) {
                ours.add(p.path("id").asLong());
            }
        }
        List<String> out = new ArrayList<>();
        for (com.fasterxml.jackson.databind.JsonNode l : ServerJson.MAPPER.readTree(NatTopology.sh("bpftool", "-j", "link", "show"))) {
            if (ours.contains(l.path("prog_id").asLong())) out.add(l.toString());
        }
        return out;
    }

    private static List<String> tablesEverywhere() throws IOException {
        List<String> out = new ArrayList<>();
        for (String ns : List.of(NatTopology.CLIENT, NatTopology.ROUTER, NatTopology.SERVER)) {
            for (String line : NatTopology.tables(ns).split("\n")) if (line.contains("skbscope_")) out.add(ns + ": " + line);
        }
        for (String line : NatTopology.sh("nft", "list", "tables").split("\n")) if (line.contains("skbscope_")) out.add("host: " + line);
        return out;
    }

    private static List<String> classicFilters() throws IOException {
        List<String> out = new ArrayList<>();
        for (String[] dev : List.of(new String[]{NatTopology.CLIENT, "skk-c0"}, new String[]{NatTopology.ROUTER, "skk-r0"},
                new String[]{NatTopology.ROUTER, "skk-r1"}, new String[]{NatTopology.SERVER, "skk-s0"})) {
            for (String dir : List.of("ingress", "egress")) {
                String f;
                try {
                    f = NatTopology.sh("ip", "netns", "exec", dev[0], "tc", "filter", "show", "dev", dev[1], dir);
                } catch (IOException e) {
                    continue; // no clsact qdisc: no filter
                }
                if (f.contains("tcx_")) out.add(dev[0] + " " + dev[1] + " " + dir + ": " + f.strip());
            }
        }
        return out;
    }
}
