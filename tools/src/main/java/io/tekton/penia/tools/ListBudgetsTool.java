package io.tekton.penia.tools;

import io.tekton.penia.engine.BudgetEngine;
import io.tekton.penia.engine.model.CanonicalNames;
import io.tekton.penia.tools.wire.Args;
import io.tekton.penia.tools.wire.Views;

import java.util.List;
import java.util.Map;

import static io.tekton.penia.tools.Schemas.*;

/** {@code list_budgets}: budgets with their scope and limits. */
public final class ListBudgetsTool extends AbstractTool {
    public ListBudgetsTool(BudgetEngine engine) {
        super(engine, "list_budgets", "List budgets (scope, limits per period, thresholds, enforcement).",
                obj(props("active", bool("only active or inactive"), "component", str("filter by scope component"),
                        "provider", str("filter by scope provider")), List.of(), true),
                obj(props("items", array("budgets", Map.of("type", "object")), "count", count("budgets"),
                        "error", errorProp()), List.of(), false),
                false);
    }

    @Override
    public Map<String, Object> call(Args args, Caller caller) {
        Boolean active = args.bool("active");
        String component = Access.readScope(caller, args.str("component"));
        String provider = CanonicalNames.provider(args.str("provider"));
        args.noOthers();
        List<Map<String, Object>> items = engine.budgets().stream()
                .filter(b -> active == null || b.active() == active)
                .filter(b -> component == null || component.equals(b.scope().component())
                        || (Caller.COMPONENT.equals(caller.role()) && b.scope().component() == null))
                .filter(b -> provider == null || provider.equals(b.scope().provider()))
                .map(b -> Views.budget(b, Access.seesChannelSecrets(caller))).toList();
        return Map.of("items", items, "count", items.size());
    }

    @Override
    public String summarize(Map<String, Object> r) {
        return r.get("count") + " budgets";
    }
}
