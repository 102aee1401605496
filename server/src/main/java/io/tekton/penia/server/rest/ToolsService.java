package io.tekton.penia.server.rest;

import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.modelcontextprotocol.spec.McpSchema;
import io.tekton.penia.assistant.AssistantContext;
import io.tekton.penia.engine.error.ErrorCode;
import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.tools.BudgetTools;
import io.tekton.penia.tools.Caller;
import io.tekton.penia.tools.McpBinding;
import io.tekton.penia.tools.PeniaTool;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code POST /api/tools/{tool}/execute} (the endpoint Hermes' tool registry points at) and
 * {@code GET /api/tools}; {@code GET /api/v1/assistant/context}. The body is the tool's
 * arguments, or Hermes' own {@code {"parameters":{…}}} wrapper.
 */
public final class ToolsService {
    private ToolsService() {
    }

    public static HttpService tools(BudgetTools tools, Http http, Function<ServerRequest, Caller> callerOf) {
        return rules -> rules
                .get("/", (req, res) -> Http.ok(res, Map.of("tools", tools.all().stream().map(t -> Map.of(
                        "name", t.name(), "title", t.hints().title(), "description", t.description(),
                        "input_schema", t.inputSchema(), "output_schema", t.outputSchema(),
                        "annotations", McpBinding.annotations(t))).toList())))
                .post("/{tool}/execute", (req, res) -> execute(req, res, tools, http, callerOf));
    }

    @SuppressWarnings("unchecked")
    private static void execute(ServerRequest req, ServerResponse res, BudgetTools tools, Http http,
                                Function<ServerRequest, Caller> callerOf) {
        String name = Http.param(req, "tool");
        String bare = name.startsWith("penia_") ? name.substring(6) : name;
        PeniaTool tool = tools.find(bare).orElseThrow(() -> PeniaException.notFound("tool", name));
        Caller caller = callerOf.apply(req);
        var body = http.json(req);
        if (body != null && !body.isObject()) {
            throw new PeniaException(ErrorCode.INVALID_ARGUMENT, "the body must be a JSON object of the tool's arguments");
        }
        Map<String, Object> args = body == null ? Map.of()
                : io.tekton.penia.engine.Json.mapper().convertValue(body, Map.class);
        if (args.size() <= 2 && args.get("parameters") instanceof Map<?, ?> p
                && (args.size() == 1 || args.containsKey("context"))) {
            args = (Map<String, Object>) p;
        }
        McpSchema.CallToolResult r = McpBinding.invoke(tool, args, caller);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("success", !Boolean.TRUE.equals(r.isError()));
        out.put("tool", tool.name());
        if (Boolean.TRUE.equals(r.isError())) {
            Map<String, Object> err = (Map<String, Object>) ((Map<String, Object>) r.structuredContent()).get("error");
            out.put("error", err);
            String code = String.valueOf(err.get("code"));
            int status = ErrorCode.fromWire(code).httpStatus();
            Http.send(res, status, out);
            return;
        }
        out.put("result", r.structuredContent());
        Http.ok(res, out);
    }

    public static HttpService assistant(AssistantContext context) {
        return rules -> rules.get("/context", (req, res) -> Http.ok(res, context.view()));
    }

}
