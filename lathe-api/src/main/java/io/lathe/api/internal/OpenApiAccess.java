package io.lathe.api.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/**
 * Adds access control to the OpenAPI description as it is served: the paths of the login and admin routes (a resource
 * beside {@code openapi.json}), the security schemes {@code apiToken} (bearer) and {@code sessionCookie}, and on every
 * operation {@code x-lathe-permission} (the permission from {@link RouteAccess}, {@code none} for open routes), {@code
 * x-lathe-site} (where the request names its site), {@code security} and the 401/403 answers. Taken from the same
 * table the filter enforces, so the description cannot drift from what is enforced.
 */
public final class OpenApiAccess {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    static final String RESOURCE = "/io/lathe/api/openapi-auth.json";

    private OpenApiAccess() {}

    /**
     * @param metricsPublic whether {@code /metrics} is served without credentials here
     * @throws IllegalStateException when a documented operation has no rule: the build is inconsistent
     */
    public static byte[] annotate(byte[] openApi, boolean metricsPublic, boolean anonymousRead) {
        try {
            ObjectNode doc = (ObjectNode) MAPPER.readTree(openApi);
            ObjectNode extra;
            try (InputStream in = OpenApiAccess.class.getResourceAsStream(RESOURCE)) {
                if (in == null) throw new IllegalStateException("missing resource " + RESOURCE + ": the lathe-api jar is incomplete; rebuild it");
                extra = (ObjectNode) MAPPER.readTree(in);
            }
            ((ArrayNode) doc.withArray("tags")).addAll((ArrayNode) extra.get("tags"));
            doc.with("paths").setAll((ObjectNode) extra.get("paths"));
            ObjectNode components = doc.with("components");
            for (String section : new String[]{"securitySchemes", "parameters", "responses", "schemas"}) {
                components.with(section).setAll((ObjectNode) extra.get("components").get(section));
            }
            if (components.with("securitySchemes").get("ingestToken") instanceof ObjectNode ingest) {
                ingest.put("description", "An API token with scope ingest, sent as `Authorization: Bearer <token>`; the deprecated `server.ingest-token`"
                        + " is imported as one at start. Engineers and admins may also ingest with their login session.");
            }
            for (Iterator<Map.Entry<String, JsonNode>> paths = doc.get("paths").fields(); paths.hasNext(); ) {
                Map.Entry<String, JsonNode> p = paths.next();
                for (Iterator<Map.Entry<String, JsonNode>> ops = p.getValue().fields(); ops.hasNext(); ) {
                    Map.Entry<String, JsonNode> op = ops.next();
                    if (!(op.getValue() instanceof ObjectNode o) || op.getKey().equals("parameters")) continue;
                    String route = op.getKey().toUpperCase(Locale.ROOT) + " " + p.getKey();
                    RouteAccess.Rule rule = RouteAccess.rule(route);
                    if (rule == null) throw new IllegalStateException("documented route has no access rule [route=" + route + "]: add it to RouteAccess");
                    annotate(o, route, rule, metricsPublic, anonymousRead);
                }
            }
            return MAPPER.writeValueAsBytes(doc);
        } catch (IOException e) {
            throw new IllegalStateException("cannot annotate the OpenAPI description: " + e.getMessage(), e);
        }
    }

    private static void annotate(ObjectNode op, String route, RouteAccess.Rule rule, boolean metricsPublic, boolean anonymousRead) {
        boolean open = rule.open() || (route.equals(RouteAccess.METRICS) && metricsPublic);
        op.put("x-lathe-permission", rule.open() ? "none" : rule.permission().id());
        op.put("x-lathe-site", switch (rule.site()) {
            case NONE -> "all";
            case PATH_ID -> "path id";
            case QUERY_ASSET -> "query asset";
            case BODY_MACHINE -> "body machine";
            case FILTERED -> "filtered to the caller's sites";
        });
        if (open) {
            op.putArray("security");
            return;
        }
        // The ingest route keeps its own scheme name (older clients read it); it is an API token with scope ingest.
        ArrayNode security = op.has("security") ? (ArrayNode) op.get("security") : op.putArray("security");
        if (security.isEmpty()) security.addObject().putArray("apiToken");
        security.addObject().putArray("sessionCookie");
        if (anonymousRead && rule.permission() == io.lathe.auth.Permission.READ) security.addObject(); // {}: no credentials needed
        ObjectNode responses = op.with("responses");
        if (!responses.has("401")) responses.putObject("401").put("$ref", "#/components/responses/Unauthorized");
        if (!responses.has("403")) responses.putObject("403").put("$ref", "#/components/responses/Forbidden");
    }
}
