package io.tekton.penia.tools;

/**
 * What a tool does to the world, as MCP tool annotations say it to clients (they may ask a
 * person before a destructive call, retry an idempotent one, run read-only ones freely).
 *
 * @param title       a short human name for tool pickers
 * @param readOnly    the tool changes nothing
 * @param destructive the tool may delete or overwrite what exists (meaningful when not read-only)
 * @param idempotent  the same call again has no further effect
 */
public record ToolHints(String title, boolean readOnly, boolean destructive, boolean idempotent) {
    /** A tool that only reads: read-only, idempotent, never destructive. */
    public static ToolHints reads(String title) {
        return new ToolHints(title, true, false, true);
    }

    /** A tool that writes: with whether it overwrites and whether a repeat changes anything more. */
    public static ToolHints writes(String title, boolean destructive, boolean idempotent) {
        return new ToolHints(title, false, destructive, idempotent);
    }
}
