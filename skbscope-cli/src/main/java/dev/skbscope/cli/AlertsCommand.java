package dev.skbscope.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skbscope.cli.remote.ServerAddress;
import dev.skbscope.cli.remote.ServerClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code skbscope alerts}: the firing and pending alerts of a running server ({@code GET /api/alerts}),
 * and with {@code --watch} every alert that fires or resolves from then on. Talks to the server through
 * the command line's one REST client ({@link ServerClient}: the token as {@code Authorization: Bearer},
 * from {@code --token} or {@code SKBSCOPE_TOKEN}; the URL's own Host; no Origin). Runs on the caller's thread.
 */
@Command(name = "alerts", mixinStandardHelpOptions = true,
        description = {"List the active (firing and pending) alerts of a running skbscope server.",
                "With --watch, then print each alert that fires or resolves until interrupted."})
public final class AlertsCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--server", defaultValue = ServerAddress.DEFAULT_URL, description = "Server URL (default: ${DEFAULT-VALUE})")
    String server;

    @Option(names = "--token", description = "The server's access token (default: $" + ServerAddress.TOKEN_ENV + ")")
    String token;

    @Option(names = "--session", description = "Only this session's alerts")
    String session;

    @Option(names = "--watch", description = "Keep watching: print each alert as it fires or resolves")
    boolean watch;

    @Option(names = "--interval", defaultValue = "1", paramLabel = "SECONDS", description = "How often --watch asks the server (default: ${DEFAULT-VALUE} s)")
    double interval;

    @Option(names = "--limit", defaultValue = "0", paramLabel = "N", description = "With --watch: stop after N changes (0 = never)")
    int limit;

    @Option(names = "--json", description = "Print the server's JSON (with --watch: one object per change)")
    boolean json;

    @Spec
    CommandSpec spec;

    private ServerClient client;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        if (!(interval >= 0.1 && interval <= 3600)) {
            err.println("skbscope alerts: --interval must be within 0.1..3600 seconds");
            return 2;
        }
        try {
            client = new ServerClient(ServerAddress.parse(server, token));
        } catch (IllegalArgumentException e) {
            err.println("skbscope alerts: --server: " + e.getMessage());
            return 2;
        }
        try {
            JsonNode active = active();
            if (json) out.println(JSON.writeValueAsString(active));
            else table(out, active);
            out.flush();
            if (!watch) return 0;
            Map<String, JsonNode> firing = firing(active);
            int changes = 0;
            while (limit == 0 || changes < limit) {
                Thread.sleep((long) (interval * 1000));
                Map<String, JsonNode> now = firing(active());
                for (var e : now.entrySet()) {
                    if (firing.containsKey(e.getKey())) continue;
                    print(out, "FIRING", e.getValue());
                    changes++;
                }
                for (var e : firing.entrySet()) {
                    if (now.containsKey(e.getKey())) continue;
                    print(out, "RESOLVED", e.getValue());
                    changes++;
                }
                out.flush();
                firing = now;
            }
            return 0;
        } catch (IOException e) {
            err.println("skbscope alerts: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 130;
        }
    }

    private JsonNode active() throws IOException, InterruptedException {
        try {
            return client.get("/api/alerts" + (session == null ? "" : "?session=" + URLEncoder.encode(session, StandardCharsets.UTF_8)));
        } catch (IOException e) {
            if (Thread.interrupted()) throw new InterruptedException();
            throw e;
        }
    }

    private static Map<String, JsonNode> firing(JsonNode active) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        for (JsonNode a : active.path("alerts"))
            if (a.path("state").asText().equals("firing")) out.put(key(a), a);
        return out;
    }

    private static String key(JsonNode a) {
        return a.path("session_id").asText() + "/" + a.path("rule").asText() + "/" + a.path("node").asText("")
                + a.path("hook").asText("") + a.path("reason").asText("") + "/" + a.path("since").asText();
    }

    private void print(PrintWriter out, String what, JsonNode a) throws IOException {
        if (json) {
            var n = JSON.createObjectNode().put("event", what.toLowerCase()).put("at", Instant.now().toString());
            n.set("alert", a);
            out.println(JSON.writeValueAsString(n));
            return;
        }
        out.printf("%s %-8s %s (%s) %s: %s%n", Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS), what,
                a.path("rule").asText(), a.path("severity").asText(), a.path("session_id").asText(), condition(a));
    }

    private static void table(PrintWriter out, JsonNode active) {
        JsonNode list = active.path("alerts");
        if (list.isEmpty()) {
            out.println("No alert is firing or pending.");
            return;
        }
        String fmt = "%-14s %-20s %-9s %-8s %-40s %s%n";
        out.printf(fmt, "SESSION", "RULE", "SEVERITY", "STATE", "CONDITION", "SINCE");
        for (JsonNode a : list) {
            out.printf(fmt, a.path("session_id").asText(), a.path("rule").asText(), a.path("severity").asText(),
                    a.path("state").asText(), condition(a), a.path("since").asText());
        }
        out.printf("%d firing, %d pending%n", active.path("firing").asInt(), active.path("pending").asInt());
    }

    /** "drop_rate 30.1 % > 20 %", with the node, hook or reason. */
    static String condition(JsonNode a) {
        String unit = a.path("unit").asText("");
        unit = unit.isEmpty() ? "" : " " + unit;
        String where = a.hasNonNull("node") ? " at " + a.get("node").asText() : a.hasNonNull("hook") ? " at " + a.get("hook").asText()
                : a.hasNonNull("reason") ? " (" + a.get("reason").asText() + ")" : "";
        return a.path("expression").asText() + where + " " + number(a.path("value").asDouble()) + unit + " "
                + a.path("comparison").asText(">") + " " + number(a.path("threshold").asDouble()) + unit;
    }

    private static String number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return Long.toString((long) v);
        return String.format(java.util.Locale.ROOT, "%.4g", v).replaceAll("\\.?0+$", "");
    }
}
