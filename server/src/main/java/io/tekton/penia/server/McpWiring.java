package io.tekton.penia.server;

import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpServerTransportProvider;
import io.modelcontextprotocol.spec.McpStreamableServerTransportProvider;
import io.tekton.penia.assistant.AssistantContext;
import io.tekton.penia.engine.BudgetEngine;
import io.tekton.penia.tools.Access;
import io.tekton.penia.tools.BudgetTools;
import io.tekton.penia.tools.McpBinding;
import io.tekton.penia.tools.wire.Views;

import java.time.Duration;

/** Builds the MCP server (tools, prompt, resource) over a transport: Streamable HTTP or stdio. */
final class McpWiring {
    private McpWiring() {
    }

    static McpJsonMapper mapper() {
        return McpJsonDefaults.getMapper();
    }

    private static McpSchema.ServerCapabilities capabilities() {
        return McpSchema.ServerCapabilities.builder().tools(true).prompts(false).resources(false, false).logging().build();
    }

    static McpSyncServer http(McpStreamableServerTransportProvider transport, BudgetEngine engine, BudgetTools tools,
                              AssistantContext context) {
        McpJsonMapper mapper = mapper();
        McpBinding binding = new McpBinding(tools, McpBinding::callerFrom);
        return McpServer.sync(transport)
                .serverInfo("penia", PeniaServer.VERSION)
                .jsonMapper(mapper)
                .requestTimeout(Duration.ofSeconds(30))
                // Our own strict parsing answers invalid arguments with the shared error object.
                .validateToolInputs(false)
                .capabilities(capabilities())
                .instructions("Penia: Tekton's budget and cost tracking. Call check_budget before an LLM call and "
                        + "record_usage after it. The budget_management prompt has the live status.")
                .tools(binding.toolSpecs(mapper))
                .prompts(binding.prompt(c -> context.systemPrompt(b -> Access.sees(c, b))))
                .resources(binding.statusResource(c -> engine.statuses().stream()
                        .filter(st -> Access.sees(c, st.budget())).map(Views::status).toList()))
                .build();
    }

    static McpSyncServer stdio(McpServerTransportProvider transport, BudgetEngine engine, BudgetTools tools,
                               AssistantContext context) {
        McpJsonMapper mapper = mapper();
        McpBinding binding = new McpBinding(tools, ctx -> io.tekton.penia.tools.Caller.LOCAL_ADMIN);
        return McpServer.sync(transport)
                .serverInfo("penia", PeniaServer.VERSION)
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
