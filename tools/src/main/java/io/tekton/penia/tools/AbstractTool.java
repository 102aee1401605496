package io.tekton.penia.tools;

import io.tekton.penia.engine.BudgetEngine;

import java.util.Map;

/** The definition every tool has and the engine it runs on. */
abstract class AbstractTool implements PeniaTool {
    protected final BudgetEngine engine;
    private final ToolDefinition definition;
    private ToolHints hints;

    AbstractTool(BudgetEngine engine, String name, String description, Map<String, Object> input,
                 Map<String, Object> output, boolean mutates) {
        this.engine = engine;
        this.definition = new ToolDefinition(name, description, input, output, mutates);
    }

    @Override
    public ToolDefinition definition() {
        return definition;
    }

    /** Sets the title and hints (in the subclass's constructor). */
    final void hints(ToolHints h) {
        if (h.readOnly() == mutates()) {
            throw new IllegalArgumentException(name() + ": read-only hint contradicts mutates");
        }
        this.hints = h;
    }

    @Override
    public ToolHints hints() {
        return hints != null ? hints : PeniaTool.super.hints();
    }
}
