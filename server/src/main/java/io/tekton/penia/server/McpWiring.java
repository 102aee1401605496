package io.tekton.penia.server;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpServerTransportProvider;
import io.modelcontextprotocol.spec.McpStreamableServerTransportProvider;
import io.tekton.penia.assistant.AssistantContext;
import io.tekton.penia.engine.BudgetEngine;
import io.tekton.penia.tools.Access;
import io.tekton.penia.tools.BudgetTools;
import io.tekton.penia.tools.Caller;
import io.tekton.penia.tools.McpBinding;
import io.tekton.penia.tools.wire.Views;

import java.time.Duration;

/** Builds the MCP server (tools, prompt, resource) over a transport: Streamable HTTP or stdio. */
final class McpWiring {
    /**
     * The SDK's default mapper (a plain ObjectMapper) with duplicate keys refused: it parses every
     * JSON-RPC message, tool arguments included, so {@code "cost":0.1,"cost":5} is a parse error
     * (HTTP 400) rather than a record of $5.
     */
    private static final McpJsonMapper MAPPER = new JacksonMcpJsonMapper(JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());

    private McpWiring() {
    }

    static McpJsonMapper mapper() {
        return MAPPER;
    }

    private static McpSchema.ServerCapabilities capabilities() {
        return McpSchema.ServerCapabilities.builder().tools(true).prompts(false).resources(false, false).logging().build();
    }

    static McpSyncServer http(McpStreamableServerTransportProvider transport, BudgetEngine engine, BudgetTools tools,
                              AssistantContext context) {
        return build(McpServer.sync(transport)
                        .instructions("Penia: Tekton's budget and cost tracking. Call check_budget before an LLM call and "
                                + "record_usage after it. The budget_management prompt has the live status."),
                new McpBinding(tools, McpBinding::callerFrom), engine, context);
    }

    static McpSyncServer stdio(McpServerTransportProvider transport, BudgetEngine engine, BudgetTools tools,
                               AssistantContext context) {
        return build(McpServer.sync(transport), new McpBinding(tools, ctx -> Caller.LOCAL_ADMIN), engine, context);
    }

    /** What both transports serve, alike: the tools, the prompt and the status resource, each for its caller. */
    private static McpSyncServer build(McpServer.SyncSpecification<?> spec, McpBinding binding, BudgetEngine engine,
                                       AssistantContext context) {
        McpJsonMapper mapper = mapper();
        return spec.serverInfo("penia", PeniaServer.VERSION)
                .jsonMapper(mapper)
                .requestTimeout(Duration.ofSeconds(30))
                // Our own strict parsing answers invalid arguments with the shared error object.
                .validateToolInputs(false)
                .capabilities(capabilities())
                .tools(binding.toolSpecs(mapper))
                .prompts(binding.prompt(c -> context.systemPrompt(b -> Access.sees(c, b))))
                .resources(binding.statusResource(c -> engine.statuses().stream()
                        .filter(st -> Access.sees(c, st.budget())).map(Views::status).toList()))
                .build();
    }
}
