package io.tekton.penia.it.mcp;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.imageio.ImageIO;

import io.helidon.webserver.WebServer;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures.SyncCompletionSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncPromptSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncResourceSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncResourceTemplateSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpSchema.AudioContent;
import io.modelcontextprotocol.spec.McpSchema.BlobResourceContents;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.CompleteResult;
import io.modelcontextprotocol.spec.McpSchema.Content;
import io.modelcontextprotocol.spec.McpSchema.CreateMessageRequest;
import io.modelcontextprotocol.spec.McpSchema.CreateMessageResult;
import io.modelcontextprotocol.spec.McpSchema.ElicitFormRequest;
import io.modelcontextprotocol.spec.McpSchema.ElicitResult;
import io.modelcontextprotocol.spec.McpSchema.EmbeddedResource;
import io.modelcontextprotocol.spec.McpSchema.GetPromptRequest;
import io.modelcontextprotocol.spec.McpSchema.GetPromptResult;
import io.modelcontextprotocol.spec.McpSchema.ImageContent;
import io.modelcontextprotocol.spec.McpSchema.LoggingLevel;
import io.modelcontextprotocol.spec.McpSchema.LoggingMessageNotification;
import io.modelcontextprotocol.spec.McpSchema.ProgressNotification;
import io.modelcontextprotocol.spec.McpSchema.Prompt;
import io.modelcontextprotocol.spec.McpSchema.PromptArgument;
import io.modelcontextprotocol.spec.McpSchema.PromptMessage;
import io.modelcontextprotocol.spec.McpSchema.PromptReference;
import io.modelcontextprotocol.spec.McpSchema.ReadResourceResult;
import io.modelcontextprotocol.spec.McpSchema.Resource;
import io.modelcontextprotocol.spec.McpSchema.ResourceContents;
import io.modelcontextprotocol.spec.McpSchema.ResourceTemplate;
import io.modelcontextprotocol.spec.McpSchema.Role;
import io.modelcontextprotocol.spec.McpSchema.SamplingMessage;
import io.modelcontextprotocol.spec.McpSchema.ServerCapabilities;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import io.modelcontextprotocol.spec.McpSchema.TextResourceContents;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import io.tekton.penia.server.mcp.HelidonMcpTransport;

/**
 * The server fixture the official MCP conformance suite (server scenarios) expects, served
 * over {@link HelidonMcpTransport} on a Helidon web server at {@code /mcp}: the suite's
 * test tools, resources, resource template, prompts and completion.
 *
 * <p>Run {@code main [port]} to try it by hand; tests call {@link #start(int)} with port 0.
 * The one scenario it does not serve is the pending {@code server-sse-polling}
 * ({@code test_reconnection}), which needs stored, replayable events.
 *
 * @param webServer the Helidon web server it runs on
 * @param transport the transport under test, at {@code /mcp}
 * @param mcp       the MCP server the SDK built on that transport
 */
public record ConformanceFixtureServer(WebServer webServer, HelidonMcpTransport transport, McpSyncServer mcp)
        implements AutoCloseable {
    private static final Map<String, Object> NO_ARGUMENTS = Map.of("type", "object", "properties", Map.of());
    private static final String PNG = base64(redPixelPng());
    private static final String WAV = base64(silentWav());
    private static final Pattern TEMPLATE_URI = Pattern.compile("test://template/([^/]+)/data");
    private static final Duration STEP = Duration.ofMillis(50);

    /** Serves the fixture on {@code 127.0.0.1:port} (0 picks a free port) until stopped. */
    public static void main(String[] args) {
        ConformanceFixtureServer server = start(args.length > 0 ? Integer.parseInt(args[0]) : 3001);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        System.out.println("MCP conformance fixture at " + server.url());
    }

    /** Starts the fixture with the transport's default settings. */
    public static ConformanceFixtureServer start(int port) {
        return start(port, UnaryOperator.identity());
    }

    /** Starts the fixture; {@code settings} may change the transport's limits or gate. */
    public static ConformanceFixtureServer start(int port, UnaryOperator<HelidonMcpTransport.Builder> settings) {
        McpJsonMapper jsonMapper = McpJsonDefaults.getMapper();
        HelidonMcpTransport transport = settings.apply(HelidonMcpTransport.builder().jsonMapper(jsonMapper)).build();
        McpSyncServer mcp = McpServer.sync(transport)
                .serverInfo("penia-mcp-conformance-fixture", "1.0.0")
                .jsonMapper(jsonMapper)
                .requestTimeout(Duration.ofSeconds(30))
                .capabilities(ServerCapabilities.builder()
                        .tools(true).resources(true, true).prompts(true).logging().completions().build())
                .tools(tools())
                .resources(resources())
                .resourceTemplates(new SyncResourceTemplateSpecification(
                        ResourceTemplate.builder("test://template/{id}/data", "template-data")
                                .description("Data for the id in the URI").mimeType("application/json").build(),
                        (exchange, request) -> templateData(request.uri())))
                .prompts(prompts())
                .completions(new SyncCompletionSpecification(new PromptReference("test_prompt_with_arguments"),
                        (exchange, request) -> complete(request.argument().value())))
                .build();
        WebServer webServer = WebServer.builder()
                .host("127.0.0.1")
                .port(port)
                .routing(routing -> routing.register("/mcp", transport))
                .build()
                .start();
        return new ConformanceFixtureServer(webServer, transport, mcp);
    }

    public int port() {
        return webServer.port();
    }

    /** The MCP endpoint, e.g. {@code http://127.0.0.1:41234/mcp}. */
    public String url() {
        return "http://127.0.0.1:" + port() + "/mcp";
    }

    /** Closes MCP gracefully first, then the web server. */
    @Override
    public void close() {
        mcp.closeGracefully();
        webServer.stop();
    }

    // ---- tools ---------------------------------------------------------------------

    private static List<SyncToolSpecification> tools() {
        return List.of(
                tool("test_simple_text", "Returns one text item", NO_ARGUMENTS,
                        (exchange, request) -> text("This is a simple text response for testing.")),
                tool("test_image_content", "Returns a 1x1 red PNG", NO_ARGUMENTS,
                        (exchange, request) -> result(image())),
                tool("test_audio_content", "Returns a tiny silent WAV", NO_ARGUMENTS,
                        (exchange, request) -> result(AudioContent.builder(WAV, "audio/wav").build())),
                tool("test_embedded_resource", "Returns an embedded text resource", NO_ARGUMENTS,
                        (exchange, request) -> result(embedded(textResource(
                                "test://embedded-resource", "text/plain", "This is an embedded resource content.")))),
                tool("test_multiple_content_types", "Returns text, image and resource", NO_ARGUMENTS,
                        (exchange, request) -> result(
                                textContent("Multiple content types test:"),
                                image(),
                                embedded(textResource("test://mixed-content-resource",
                                        "application/json", "{\"test\":\"data\",\"value\":123}")))),
                tool("test_tool_with_logging", "Logs three info messages while it runs", NO_ARGUMENTS,
                        ConformanceFixtureServer::withLogging),
                tool("test_tool_with_progress", "Reports progress 0, 50, 100 of 100", NO_ARGUMENTS,
                        ConformanceFixtureServer::withProgress),
                tool("test_error_handling", "Always fails (as a tool result)", NO_ARGUMENTS,
                        (exchange, request) -> CallToolResult.builder().isError(true)
                                .addTextContent("This tool intentionally returns an error for testing").build()),
                tool("test_sampling", "Asks the client's model (sampling/createMessage)",
                        objectSchema(Map.of("prompt", stringProperty("The prompt to send to the LLM")), "prompt"),
                        ConformanceFixtureServer::sampling),
                tool("test_elicitation", "Asks the user for a name and an email (elicitation/create)",
                        objectSchema(Map.of("message", stringProperty("The message to show the user")), "message"),
                        ConformanceFixtureServer::elicitation),
                tool("test_elicitation_sep1034_defaults", "Elicits fields with defaults (SEP-1034)", NO_ARGUMENTS,
                        (exchange, request) -> elicit(exchange, "Please review your profile", defaultsSchema())),
                tool("test_elicitation_sep1330_enums", "Elicits the five enum forms (SEP-1330)", NO_ARGUMENTS,
                        (exchange, request) -> elicit(exchange, "Please choose", enumsSchema())),
                tool("json_schema_2020_12_tool", "Tool with JSON Schema 2020-12 features", jsonSchema2020(),
                        (exchange, request) -> text("Received: " + request.arguments())));
    }

    private static SyncToolSpecification tool(String name, String description, Map<String, Object> inputSchema,
                                              BiFunction<McpSyncServerExchange, CallToolRequest, CallToolResult> call) {
        return SyncToolSpecification.builder()
                .tool(Tool.builder(name, inputSchema).description(description).build())
                .callHandler(call)
                .build();
    }

    private static CallToolResult withLogging(McpSyncServerExchange exchange, CallToolRequest request) {
        List<String> messages = List.of("Tool execution started", "Tool processing data", "Tool execution completed");
        for (int i = 0; i < messages.size(); i++) {
            if (i > 0) {
                pause();
            }
            exchange.loggingNotification(LoggingMessageNotification.builder(LoggingLevel.INFO, messages.get(i))
                    .logger("fixture").build());
        }
        return text("Tool with logging executed successfully");
    }

    private static CallToolResult withProgress(McpSyncServerExchange exchange, CallToolRequest request) {
        Object token = request.meta() == null ? null : request.meta().get("progressToken");
        for (int progress = 0; progress <= 100; progress += 50) {
            if (progress > 0) {
                pause();
            }
            if (token != null) {
                exchange.progressNotification(ProgressNotification.builder(token, progress)
                        .total(100.0).message("step " + progress).build());
            }
        }
        return text("Tool with progress executed successfully");
    }

    private static CallToolResult sampling(McpSyncServerExchange exchange, CallToolRequest request) {
        if (exchange.getClientCapabilities() == null || exchange.getClientCapabilities().sampling() == null) {
            return CallToolResult.builder().isError(true).addTextContent("The client does not support sampling").build();
        }
        String prompt = String.valueOf(request.arguments().getOrDefault("prompt", ""));
        CreateMessageResult answer = exchange.createMessage(CreateMessageRequest.builder(
                List.of(SamplingMessage.builder(Role.USER, textContent(prompt)).build()), 100).build());
        String reply = answer.content() instanceof TextContent t ? t.text() : String.valueOf(answer.content());
        return text("LLM response: " + reply);
    }

    private static CallToolResult elicitation(McpSyncServerExchange exchange, CallToolRequest request) {
        Map<String, Object> schema = objectSchema(Map.of(
                "username", stringProperty("User's response"),
                "email", stringProperty("User's email address")), "username", "email");
        String message = String.valueOf(request.arguments().getOrDefault("message", "Please provide your information"));
        if (exchange.getClientCapabilities() == null || exchange.getClientCapabilities().elicitation() == null) {
            return CallToolResult.builder().isError(true).addTextContent("The client does not support elicitation").build();
        }
        ElicitResult answer = exchange.createElicitation(ElicitFormRequest.builder(message, schema).build());
        return text("User response: action=" + action(answer) + ", content=" + answer.content());
    }

    private static CallToolResult elicit(McpSyncServerExchange exchange, String message, Map<String, Object> schema) {
        ElicitResult answer = exchange.createElicitation(ElicitFormRequest.builder(message, schema).build());
        return text("Elicitation completed: action=" + action(answer) + ", content=" + answer.content());
    }

    private static String action(ElicitResult answer) {
        return answer.action() == null ? "none" : answer.action().name().toLowerCase(Locale.ROOT);
    }

    private static Map<String, Object> defaultsSchema() {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("name", Map.of("type", "string", "description", "User name", "default", "John Doe"));
        properties.put("age", Map.of("type", "integer", "description", "User age", "default", 30));
        properties.put("score", Map.of("type", "number", "description", "User score", "default", 95.5));
        properties.put("status", Map.of("type", "string", "description", "User status",
                "enum", List.of("active", "inactive", "pending"), "default", "active"));
        properties.put("verified", Map.of("type", "boolean", "description", "Verification status", "default", true));
        return Map.of("type", "object", "properties", properties, "required", List.of());
    }

    private static Map<String, Object> enumsSchema() {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("untitledSingle", Map.of("type", "string", "enum", List.of("option1", "option2", "option3")));
        properties.put("titledSingle", Map.of("type", "string", "oneOf", List.of(
                Map.of("const", "value1", "title", "First Option"),
                Map.of("const", "value2", "title", "Second Option"),
                Map.of("const", "value3", "title", "Third Option"))));
        properties.put("legacyEnum", Map.of("type", "string", "enum", List.of("opt1", "opt2", "opt3"),
                "enumNames", List.of("Option One", "Option Two", "Option Three")));
        properties.put("untitledMulti", Map.of("type", "array",
                "items", Map.of("type", "string", "enum", List.of("option1", "option2", "option3"))));
        properties.put("titledMulti", Map.of("type", "array", "items", Map.of("anyOf", List.of(
                Map.of("const", "value1", "title", "First Choice"),
                Map.of("const", "value2", "title", "Second Choice"),
                Map.of("const", "value3", "title", "Third Choice")))));
        return Map.of("type", "object", "properties", properties, "required", List.of());
    }

    private static Map<String, Object> jsonSchema2020() {
        Map<String, Object> schema = new LinkedHashMap<>();
        schema.put("$schema", "https://json-schema.org/draft/2020-12/schema");
        schema.put("type", "object");
        schema.put("$defs", Map.of("address", Map.of("type", "object", "properties",
                Map.of("street", Map.of("type", "string"), "city", Map.of("type", "string")))));
        schema.put("properties", Map.of("name", Map.of("type", "string"), "address", Map.of("$ref", "#/$defs/address")));
        schema.put("additionalProperties", false);
        return schema;
    }

    // ---- resources -----------------------------------------------------------------

    private static List<SyncResourceSpecification> resources() {
        return List.of(
                resource("test://static-text", "static-text", "A static text resource", "text/plain",
                        textResource("test://static-text", "text/plain",
                                "This is the content of the static text resource.")),
                resource("test://static-binary", "static-binary", "A static PNG image", "image/png",
                        BlobResourceContents.builder("test://static-binary", PNG).mimeType("image/png").build()),
                resource("test://watched-resource", "watched-resource", "A resource clients may subscribe to",
                        "text/plain", textResource("test://watched-resource", "text/plain", "Watched resource content")));
    }

    private static SyncResourceSpecification resource(String uri, String name, String description, String mimeType,
                                                      ResourceContents contents) {
        Resource resource = Resource.builder(uri, name).description(description).mimeType(mimeType).build();
        return new SyncResourceSpecification(resource,
                (exchange, request) -> ReadResourceResult.builder(List.of(contents)).build());
    }

    private static ReadResourceResult templateData(String uri) {
        Matcher matcher = TEMPLATE_URI.matcher(uri);
        String id = matcher.matches() ? matcher.group(1) : "";
        String json = "{\"id\":\"" + id + "\",\"templateTest\":true,\"data\":\"Data for ID: " + id + "\"}";
        return ReadResourceResult.builder(List.of(textResource(uri, "application/json", json))).build();
    }

    // ---- prompts and completion ----------------------------------------------------

    private static List<SyncPromptSpecification> prompts() {
        return List.of(
                prompt("test_simple_prompt", "A prompt without arguments", List.of(),
                        (exchange, request) -> messages(textContent("This is a simple prompt for testing."))),
                prompt("test_prompt_with_arguments", "A prompt with two arguments",
                        List.of(argument("arg1", "First test argument"), argument("arg2", "Second test argument")),
                        (exchange, request) -> messages(textContent("Prompt with arguments: arg1='"
                                + request.arguments().get("arg1") + "', arg2='" + request.arguments().get("arg2") + "'"))),
                prompt("test_prompt_with_embedded_resource", "A prompt embedding a resource",
                        List.of(argument("resourceUri", "URI of the resource to embed")),
                        (exchange, request) -> messages(
                                embedded(textResource(String.valueOf(request.arguments().get("resourceUri")),
                                        "text/plain", "Embedded resource content for testing.")),
                                textContent("Please process the embedded resource above."))),
                prompt("test_prompt_with_image", "A prompt with an image", List.of(),
                        (exchange, request) -> messages(image(), textContent("Please analyze the image above."))));
    }

    private static SyncPromptSpecification prompt(String name, String description, List<PromptArgument> arguments,
                                                  BiFunction<McpSyncServerExchange, GetPromptRequest, GetPromptResult> get) {
        return new SyncPromptSpecification(
                Prompt.builder(name).description(description).arguments(arguments).build(), get);
    }

    private static PromptArgument argument(String name, String description) {
        return PromptArgument.builder(name).description(description).required(true).build();
    }

    private static CompleteResult complete(String prefix) {
        List<String> values = List.of("paris", "park", "party").stream()
                .filter(value -> value.startsWith(prefix == null ? "" : prefix))
                .toList();
        return new CompleteResult(new CompleteResult.CompleteCompletion(values, values.size(), false));
    }

    // ---- helpers -------------------------------------------------------------------

    private static CallToolResult text(String text) {
        return result(textContent(text));
    }

    private static TextContent textContent(String text) {
        return TextContent.builder(text).build();
    }

    private static ImageContent image() {
        return ImageContent.builder(PNG, "image/png").build();
    }

    private static TextResourceContents textResource(String uri, String mimeType, String text) {
        return TextResourceContents.builder(uri, text).mimeType(mimeType).build();
    }

    private static EmbeddedResource embedded(ResourceContents contents) {
        return EmbeddedResource.builder(contents).build();
    }

    private static CallToolResult result(Content... content) {
        return CallToolResult.builder().content(List.of(content)).isError(false).build();
    }

    private static GetPromptResult messages(Content... content) {
        return GetPromptResult.builder(Arrays.stream(content)
                .map(c -> PromptMessage.builder(Role.USER, c).build()).toList()).build();
    }

    private static Map<String, Object> objectSchema(Map<String, Object> properties, String... required) {
        return Map.of("type", "object", "properties", properties, "required", List.of(required));
    }

    private static Map<String, Object> stringProperty(String description) {
        return Map.of("type", "string", "description", description);
    }

    /** The delay the suite asks for between notifications; a behaviour, not a synchronization. */
    private static void pause() {
        try {
            Thread.sleep(STEP);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String base64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    private static byte[] redPixelPng() {
        BufferedImage image = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        image.setRGB(0, 0, 0xFF0000);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", png);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return png.toByteArray();
    }

    /** A mono 16-bit 8 kHz PCM WAV holding one silent sample. */
    private static byte[] silentWav() {
        int dataBytes = 2;
        ByteBuffer wav = ByteBuffer.allocate(44 + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        wav.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(36 + dataBytes)
                .put("WAVE".getBytes(StandardCharsets.US_ASCII))
                .put("fmt ".getBytes(StandardCharsets.US_ASCII)).putInt(16)
                .putShort((short) 1).putShort((short) 1).putInt(8000).putInt(16000)
                .putShort((short) 2).putShort((short) 16)
                .put("data".getBytes(StandardCharsets.US_ASCII)).putInt(dataBytes)
                .putShort((short) 0);
        return wav.array();
    }
}
