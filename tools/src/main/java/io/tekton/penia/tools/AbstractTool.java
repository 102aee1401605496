package io.tekton.penia.tools;

import io.tekton.penia.engine.BudgetEngine;

import java.util.Map;

/** Definition fields shared by every tool. */
abstract class AbstractTool implements PeniaTool {
    protected final BudgetEngine engine;
    private final String name;
    private final String description;
    private final Map<String, Object> input;
    private final Map<String, Object> output;
    private final boolean mutates;
    private ToolHints hints;

    AbstractTool(BudgetEngine engine, String name, String description, Map<String, Object> input,
                 Map<String, Object> output, boolean mutates) {
        this.engine = engine;
        this.name = name;
        this.description = description;
        this.input = input;
        this.output = output;
        this.mutates = mutates;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public Map<String, Object> inputSchema() {
        return input;
    }

    @Override
    public Map<String, Object> outputSchema() {
        return output;
    }

    @Override
    public boolean mutates() {
        return mutates;
    }

    /** Sets the title and hints (in the subclass's constructor). */
    final void hints(ToolHints h) {
        if (h.readOnly() == mutates) {
            throw new IllegalArgumentException(name + ": read-only hint contradicts mutates");
        }
        this.hints = h;
    }

    @Override
    public ToolHints hints() {
        return hints != null ? hints : PeniaTool.super.hints();
    }
}
