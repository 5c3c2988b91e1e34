package dev.skbscope.server.fleet;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skbscope.server.ApiException;
import dev.skbscope.server.ServerJson;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

/**
 * {@code GET /api/fleet/hosts}: the Hosts page's rows, from the Prometheus given with
 * {@code --prometheus} (404 naming the option without one; 502 when Prometheus does not answer).
 * Handlers run on Jetty threads; {@link FleetHosts} is thread-safe.
 */
public final class FleetRoutes {
    private final FleetHosts fleet;

    /** @param fleet null when no Prometheus is configured */
    public FleetRoutes(FleetHosts fleet) {
        this.fleet = fleet;
    }

    public void register(RoutesConfig r) {
        r.get("/api/fleet/hosts", this::hosts);
    }

    private void hosts(Context ctx) {
        if (fleet == null)
            throw ApiException.notFound("prometheus: no Prometheus configured; start skbscope serve with --prometheus URL "
                    + "(or prometheus_url in the config file) to list the hosts it scrapes");
        ObjectNode out = ServerJson.MAPPER.createObjectNode();
        out.put("prometheus", fleet.prometheus().base().toString());
        out.put("window", FleetHosts.WINDOW);
        ArrayNode hosts = out.putArray("hosts");
        try {
            for (FleetHosts.Host h : fleet.hosts()) hosts.add(ServerJson.MAPPER.valueToTree(h));
        } catch (PrometheusClient.PrometheusException e) {
            throw new ApiException(502, "prometheus: " + e.getMessage());
        }
        ObjectNode q = out.putObject("queries");
        FleetHosts.QUERIES.forEach(q::put);
        ctx.json(out);
    }
}
