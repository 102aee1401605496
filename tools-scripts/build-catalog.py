#!/usr/bin/env python3
"""Build Penia's shipped price catalog from LiteLLM's model price file.

Reads a copy of LiteLLM's ``model_prices_and_context_window.json`` (MIT licence,
BerriAI/litellm; see NOTICE) and writes the catalog the engine loads from its
classpath: ``engine/src/main/resources/io/tekton/penia/engine/price/catalog.json``.

What is kept, and why:
- only text models (mode chat, completion or responses; not the FLUX image generators the
  source lists as chat) that have both an input and
  an output price per token: these are the calls Penia costs with the one formula of
  SPEC section 3; every other mode is priced per image, second or page;
- per-token prices as decimal *strings*, exactly the value of the source (parsed with
  ``parse_float=decimal.Decimal`` and written in plain notation, never through a
  binary float), so that the Java side reads them into BigDecimal without drift;
- the context window, the capabilities a recommendation may require, and the
  deprecation date;
- long-context tiers (``*_above_128k_tokens``, ``_200k_``, ``_272k_``): a prompt above the
  threshold is billed at the tier's rates for the whole request (input, cache and output),
  as Anthropic, Google and OpenAI bill them. Batch, priority and flex prices are dropped:
  they depend on how the call was made, which a usage record does not say.

Each entry is ``{provider, model, key, input_per_token, output_per_token,
cache_read_per_token?, cache_write_per_token?, reasoning_per_token?,
max_input_tokens?, max_output_tokens?, capabilities, deprecation_date?, tiers?}`` where
a tier is ``{above_input_tokens, input_per_token?, output_per_token?,
cache_read_per_token?, cache_write_per_token?}`` (an absent price keeps the base rate), and
``model`` is the key without its provider route prefix (``openai/gpt-4o`` -> ``gpt-4o``)
and ``provider`` the lower-cased ``litellm_provider``. When two keys land on the same
(provider, model) pair -- LiteLLM lists some models both with and without the route
prefix -- the prefixed key wins, being the explicit form; the other is reported on
stderr and dropped.

Anthropic's retired snapshots: LiteLLM drops a model from its ``anthropic`` entries when
Anthropic retires it, while Bedrock keeps listing it as ``anthropic.<id>-v<N>:0`` at
Anthropic's list price (the two agree on every model LiteLLM lists at both). Callers that
still send the Anthropic id (``claude-3-5-sonnet-20241022`` from Tekton's code) would find no
price at provider anthropic, and a provider given by a caller is never swapped for another.
So each Bedrock base-region ``anthropic.<id>-v<N>:0`` entry whose model Anthropic's own
entries do not list under any alias (same name without snapshot date) is also written as
``{provider: anthropic, model: <id>, key: <the Bedrock key>, via: "bedrock"}``, same prices.

Usage: python3 tools-scripts/build-catalog.py [--source FILE] [--out FILE]
       [--source-name TEXT] [--generated YYYY-MM-DD]
Standard library only.
"""

import argparse
import datetime
import decimal
import hashlib
import json
import os
import re
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_SOURCE = os.path.join(os.path.dirname(REPO), "shared", "data", "model_prices.json")
DEFAULT_OUT = os.path.join(REPO, "engine", "src", "main", "resources", "io", "tekton",
                           "penia", "engine", "price", "catalog.json")
DEFAULT_SOURCE_NAME = ("BerriAI/litellm model_prices_and_context_window.json "
                       "(copy of 2026-07-24)")
LICENCE = "MIT, BerriAI/litellm"

TEXT_MODES = {"chat", "completion", "responses"}

# Image generators the source lists under mode "chat" (Fireworks' FLUX models, at a nominal
# $0.000000001 per token): left out, or every text recommendation would rank them cheapest.
IMAGE_MODEL_NAMES = ("flux-1-",)

# source field -> catalog field, for the per-token prices the formula uses.
PRICE_FIELDS = [
    ("input_cost_per_token", "input_per_token"),
    ("output_cost_per_token", "output_per_token"),
    ("cache_read_input_token_cost", "cache_read_per_token"),
    ("cache_creation_input_token_cost", "cache_write_per_token"),
    ("output_cost_per_reasoning_token", "reasoning_per_token"),
]

# Long-context tiers: threshold in thousands of prompt tokens, as in the source key names.
TIER_THRESHOLDS = [128, 200, 272]
TIER_FIELDS = [
    ("input_cost_per_token_above_%dk_tokens", "input_per_token"),
    ("output_cost_per_token_above_%dk_tokens", "output_per_token"),
    ("cache_read_input_token_cost_above_%dk_tokens", "cache_read_per_token"),
    ("cache_creation_input_token_cost_above_%dk_tokens", "cache_write_per_token"),
]

# supports_<name> flags kept as capabilities: what a caller can sensibly require of a
# model. Flags that tune a request (reasoning effort levels, output config, speed...)
# are not capabilities of the model and are left out to keep the file small.
CAPABILITIES = [
    "vision", "function_calling", "parallel_function_calling", "tool_choice",
    "reasoning", "prompt_caching", "response_schema", "native_structured_output",
    "system_messages", "assistant_prefill", "audio_input", "audio_output",
    "pdf_input", "video_input", "web_search", "url_context", "computer_use",
]


def plain(value):
    """A price as an exact decimal string in plain notation ("0.0000025", not 2.5e-06)."""
    if isinstance(value, bool) or not isinstance(value, (int, decimal.Decimal)):
        raise ValueError("not a number: %r" % (value,))
    d = decimal.Decimal(value)
    if d < 0:
        raise ValueError("negative price: %s" % d)
    text = format(d, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def token_limit(value):
    """A context size as an int, or None when absent or not a whole positive number."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, decimal.Decimal)) and value == int(value) and value > 0:
        return int(value)
    return None


def strip_route(key, provider):
    """The model name without its route prefix: 'vertex_ai/claude-x' -> 'claude-x'.

    The first path segment is a route prefix when it names the provider, allowing for
    LiteLLM's spellings ('vertex_ai' for 'vertex_ai-anthropic_models', 'amazon-nova'
    for 'amazon_nova', 'azure' for 'azure_text'). Other slashes belong to the name
    ('together_ai/meta-llama/Llama-3' -> 'meta-llama/Llama-3').
    """
    if "/" not in key:
        return key
    first, rest = key.split("/", 1)
    f = first.lower().replace("-", "_")
    p = provider.replace("-", "_")
    if f == p or p.startswith(f) or f.startswith(p):
        return rest
    return key


def convert_entry(key, spec):
    """One catalog entry, or None when the source entry is not a priced text model."""
    if not isinstance(spec, dict) or spec.get("mode") not in TEXT_MODES:
        return None
    if spec.get("input_cost_per_token") is None or spec.get("output_cost_per_token") is None:
        return None
    if any(name in key.lower() for name in IMAGE_MODEL_NAMES):
        return None
    provider = str(spec.get("litellm_provider") or "").strip().lower()
    if not provider:
        return None
    entry = {"provider": provider, "model": strip_route(key, provider), "key": key}
    for source_field, field in PRICE_FIELDS:
        if spec.get(source_field) is not None:
            entry[field] = plain(spec[source_field])
    for field in ("max_input_tokens", "max_output_tokens"):
        limit = token_limit(spec.get(field))
        if limit is not None:
            entry[field] = limit
    entry["capabilities"] = [c for c in CAPABILITIES if spec.get("supports_" + c) is True]
    tiers = []
    for k in TIER_THRESHOLDS:
        tier = {field: plain(spec[source % k]) for source, field in TIER_FIELDS
                if spec.get(source % k) is not None}
        if "input_per_token" in tier or "output_per_token" in tier:
            tiers.append(dict({"above_input_tokens": k * 1000}, **tier))
    if tiers:
        entry["tiers"] = tiers
    deprecation = spec.get("deprecation_date")
    if isinstance(deprecation, str):
        try:
            datetime.date.fromisoformat(deprecation)
            entry["deprecation_date"] = deprecation
        except ValueError:
            print("ignoring bad deprecation_date %r of %s" % (deprecation, key), file=sys.stderr)
    return entry


def build(source_path):
    with open(source_path, "rb") as f:
        raw = f.read()
    data = json.loads(raw.decode("utf-8"), parse_float=decimal.Decimal)
    chosen = {}
    for key in sorted(data):
        entry = convert_entry(key, data[key])
        if entry is None:
            continue
        pair = (entry["provider"], entry["model"].lower())
        previous = chosen.get(pair)
        if previous is None:
            chosen[pair] = entry
            continue
        # The explicitly routed key ('deepseek/deepseek-chat') wins over the bare one.
        keep, drop = (entry, previous) if "/" in entry["key"] and "/" not in previous["key"] \
            else (previous, entry)
        chosen[pair] = keep
        print("duplicate %s/%s: keeping %s, dropping %s"
              % (pair[0], pair[1], keep["key"], drop["key"]), file=sys.stderr)
    for pair, entry in retired_anthropic(chosen).items():
        chosen[pair] = entry
    models = [chosen[pair] for pair in sorted(chosen)]
    return models, hashlib.sha256(raw).hexdigest()


BEDROCK_ANTHROPIC = re.compile(r"anthropic\.(claude-[a-z0-9-]+?)-v\d+:0")
SNAPSHOT_DATE = re.compile(r"-\d{8}$")


def retired_anthropic(chosen):
    """Anthropic entries for the retired models only Bedrock still lists (see the module doc)."""
    listed = {SNAPSHOT_DATE.sub("", model) for (provider, model) in chosen if provider == "anthropic"}
    added = {}
    for (provider, model), entry in sorted(chosen.items()):
        match = BEDROCK_ANTHROPIC.fullmatch(model) if provider == "bedrock" else None
        if match is None:
            continue
        name = match.group(1)
        if SNAPSHOT_DATE.sub("", name) in listed or ("anthropic", name) in added:
            continue
        derived = dict(entry, provider="anthropic", model=name, via="bedrock")
        added[("anthropic", name)] = derived
    return added


def write(out_path, models, source_name, source_sha256, generated):
    header = {
        "source": source_name,
        "source_sha256": source_sha256,
        "licence": LICENCE,
        "generated": generated,
        "count": len(models),
    }
    lines = ["{"]
    for name, value in header.items():
        lines.append("  %s: %s," % (json.dumps(name), json.dumps(value)))
    lines.append('  "models": [')
    # One model per line: small diffs when the source is refreshed.
    body = [json.dumps(m, ensure_ascii=False, separators=(",", ":")) for m in models]
    lines.append(",\n".join("    " + b for b in body))
    lines.append("  ]")
    lines.append("}")
    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    tmp = out_path + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(tmp, out_path)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", default=DEFAULT_SOURCE)
    parser.add_argument("--out", default=DEFAULT_OUT)
    parser.add_argument("--source-name", default=DEFAULT_SOURCE_NAME)
    parser.add_argument("--generated", default=datetime.datetime.now(datetime.timezone.utc)
                        .date().isoformat(), help="date written in the header (YYYY-MM-DD)")
    args = parser.parse_args(argv)
    models, sha = build(args.source)
    write(args.out, models, args.source_name, sha, args.generated)
    print("wrote %d models to %s" % (len(models), args.out), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
