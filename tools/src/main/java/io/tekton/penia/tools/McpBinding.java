package io.tekton.penia.tools;

import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpServerFeatures;
import io.modelcontextprotocol.spec.McpSchema;
import io.tekton.penia.engine.Json;
import io.tekton.penia.engine.error.ErrorCode;
import io.tekton.penia.engine.error.PeniaException;
import io.tekton.penia.tools.wire.Args;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The budget tools as MCP tool specifications, the {@code budget_management} prompt and
 * the live budget-status resource. A failed call (invalid argument, forbidden, blocked)
 * is a tool result with {@code isError:true} carrying the error object, never a protocol fault.
 */
public final class McpBinding {
    private static final System.Logger LOG = System.getLogger(McpBinding.class.getName());
    public static final String STATUS_URI = "penia://budgets/status";
    /** The key under which a transport puts the authenticated {@link Caller} into its context. */
    public static final String CALLER_KEY = "penia.caller";

    private final BudgetTools tools;
    private final Function<McpTransportContext, Caller> callerOf;

    public McpBinding(BudgetTools tools, Function<McpTransportContext, Caller> callerOf) {
        this.tools = tools;
        this.callerOf = callerOf;
    }

    /** Callers from the transport context; absent means the local admin (stdio, open mode). */
    public static Caller callerFrom(McpTransportContext ctx) {
        Object c = ctx == null ? null : ctx.get(CALLER_KEY);
        return c instanceof Caller caller ? caller : Caller.LOCAL_ADMIN;
    }

    public List<McpServerFeatures.SyncToolSpecification> toolSpecs(McpJsonMapper mapper) {
        List<McpServerFeatures.SyncToolSpecification> out = new ArrayList<>();
        for (PeniaTool t : tools.all()) {
            ToolHints h = t.hints();
            McpSchema.Tool def = McpSchema.Tool.builder()
                    .name(t.name())
                    .title(h.title())
                    .description(t.description())
                    .inputSchema(t.inputSchema())
                    .outputSchema(t.outputSchema())
                    // openWorld false: every tool works on this Penia's own ledger and catalog only.
                    .annotations(new McpSchema.ToolAnnotations(h.title(), h.readOnly(), h.destructive(),
                            h.idempotent(), false, null))
                    .build();
            out.add(McpServerFeatures.SyncToolSpecification.builder()
                    .tool(def)
                    .callHandler((exchange, req) -> invoke(t, req.arguments(), callerOf.apply(exchange.transportContext())))
                    .build());
        }
        return out;
    }

    /**
     * A tool's title and hints as MCP annotations, for listings outside MCP ({@code GET /api/tools},
     * Hermes' tool registry) to say the same as {@code tools/list}.
     */
    public static Map<String, Object> annotations(PeniaTool t) {
        ToolHints h = t.hints();
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("title", h.title());
        m.put("readOnlyHint", h.readOnly());
        m.put("destructiveHint", h.destructive());
        m.put("idempotentHint", h.idempotent());
        m.put("openWorldHint", false);
        return m;
    }

    /** Runs a tool and renders the outcome as a tool result (errors included). */
    public static McpSchema.CallToolResult invoke(PeniaTool t, Map<String, Object> arguments, Caller caller) {
        try {
            Map<String, Object> result = t.call(Args.of(arguments == null ? Map.of() : arguments), caller);
            return McpSchema.CallToolResult.builder()
                    .structuredContent(result)
                    // The first text is the structured content as JSON (MCP: for clients without
                    // structuredContent); the second a one-line summary for people.
                    .addTextContent(json(result))
                    .addTextContent(sentence(t, arguments, result))
                    .isError(false)
                    .build();
        } catch (PeniaException e) {
            return error(e);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "tool " + t.name() + " failed", e);
            return error(new PeniaException(ErrorCode.INTERNAL, "internal error"));
        }
    }

    /** The tool's one-line sentence; a plain one if rendering fails (the result itself stands). */
    private static String sentence(PeniaTool t, Map<String, Object> arguments, Map<String, Object> result) {
        try {
            return t.summarize(arguments == null ? Map.of() : arguments, result);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "tool " + t.name() + ": no sentence for its result", e);
            return t.name() + " succeeded; see the structured result";
        }
    }

    private static McpSchema.CallToolResult error(PeniaException e) {
        Map<String, Object> body = e.envelope();
        return McpSchema.CallToolResult.builder()
                .structuredContent(body)
                .addTextContent(json(body))
                .addTextContent(e.code().wireName() + ": " + e.getMessage())
                .isError(true)
                .build();
    }

    /** The {@code budget_management} prompt, with the budgets its caller may see. */
    public McpServerFeatures.SyncPromptSpecification prompt(Function<Caller, String> systemPrompt) {
        McpSchema.Prompt p = new McpSchema.Prompt("budget_management", "Budget management",
                "The budget assistant's context with the live budget status", List.of());
        return new McpServerFeatures.SyncPromptSpecification(p, (exchange, req) -> new McpSchema.GetPromptResult(
                "Budget management with live status", List.of(new McpSchema.PromptMessage(McpSchema.Role.USER,
                        new McpSchema.TextContent(systemPrompt.apply(callerOf.apply(exchange.transportContext())))))));
    }

    /** The live status resource, with the budgets its caller may see. */
    public McpServerFeatures.SyncResourceSpecification statusResource(Function<Caller, Object> status) {
        McpSchema.Resource r = McpSchema.Resource.builder().uri(STATUS_URI).name("budget-status")
                .description("Live status of every budget (spent, reserved, limits per current period)")
                .mimeType("application/json").build();
        return new McpServerFeatures.SyncResourceSpecification(r, (exchange, req) -> new McpSchema.ReadResourceResult(
                List.of(new McpSchema.TextResourceContents(STATUS_URI, "application/json",
                        json(status.apply(callerOf.apply(exchange.transportContext())))))));
    }

    static String json(Object o) {
        try {
            return Json.mapper().writeValueAsString(o);
        } catch (Exception e) {
            return String.valueOf(o);
        }
    }
}
