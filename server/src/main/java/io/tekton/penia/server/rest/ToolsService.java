package io.tekton.penia.server.rest;

import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tekton.penia.assistant.AssistantContext;
import io.tekton.penia.engine.error.ErrorCode;
import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.tools.BudgetTools;
import io.tekton.penia.tools.Caller;
import io.tekton.penia.tools.McpBinding;
import io.tekton.penia.tools.PeniaTool;
import io.tekton.penia.server.security.Policy.Need;
import io.tekton.penia.tools.wire.Args;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code POST /api/tools/{tool}/execute} (the endpoint Hermes' tool registry points at) and
 * {@code GET /api/tools}; {@code GET /api/v1/assistant/context}. The body is the tool's
 * arguments, or Hermes' own {@code {"parameters":{…}}} wrapper.
 */
public final class ToolsService {
    private static final System.Logger LOG = System.getLogger(ToolsService.class.getName());

    private ToolsService() {
    }

    public static Routes.Service tools(BudgetTools tools, Http http, Function<ServerRequest, Caller> callerOf) {
        return rules -> rules
                .get("/", Need.ANY, (req, res) -> Http.ok(res, Map.of("tools", tools.all().stream().map(t -> Map.of(
                        "name", t.name(), "title", t.hints().title(), "description", t.description(),
                        "input_schema", t.inputSchema(), "output_schema", t.outputSchema(),
                        "annotations", McpBinding.annotations(t))).toList())))
                .post("/{tool}/execute", Need.ANY, (req, res) -> execute(req, res, tools, http, callerOf));
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
        Map<String, Object> out = new LinkedHashMap<>();
        try {
            Map<String, Object> result = tool.call(Args.of(args), caller);
            out.put("success", true);
            out.put("tool", tool.name());
            out.put("result", result);
        } catch (PeniaException e) {
            failed(res, out, tool, e);
            return;
        } catch (RuntimeException e) {
            // As over MCP: the detail goes to the log, the caller gets the plain internal error.
            LOG.log(System.Logger.Level.ERROR, "tool " + tool.name() + " failed", e);
            failed(res, out, tool, new PeniaException(ErrorCode.INTERNAL, "internal error"));
            return;
        }
        Http.ok(res, out);
    }

    /** An expected failure of the tool: its error object, with the status its code has everywhere. */
    private static void failed(ServerResponse res, Map<String, Object> out, PeniaTool tool, PeniaException e) {
        out.clear();
        out.put("success", false);
        out.put("tool", tool.name());
        out.put("error", e.envelope().get("error"));
        Http.send(res, e.code().httpStatus(), out);
    }

    public static Routes.Service assistant(AssistantContext context) {
        return rules -> rules.get("/context", Need.READ_ALL, (req, res) -> Http.ok(res, context.view()));
    }

}
