/** The MCP budget tools: one class per tool (definition + handler over the engine), and their MCP binding. */
package io.tekton.penia.tools;
