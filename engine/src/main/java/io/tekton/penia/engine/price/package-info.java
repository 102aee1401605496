/**
 * Prices of LLM calls: the shipped price catalog ({@link io.tekton.penia.engine.price.PriceCatalog},
 * derived from LiteLLM's public price file, see NOTICE), the one cost formula of the contract
 * ({@link io.tekton.penia.engine.price.CostFormula}) and cheaper-model recommendations
 * ({@link io.tekton.penia.engine.price.Recommender}) that compare like with like through a
 * shipped table of quality tiers ({@link io.tekton.penia.engine.price.ModelQuality}).
 *
 * <p>Everything here is pure and immutable: no I/O besides reading the catalog and the
 * quality table from the classpath, no static mutable state besides the quality table's bounded
 * memo of a pure lookup, and no clock except in one convenience overload of
 * {@code Recommender.recommend} (the main one takes "today" as an argument). Prices are exact
 * {@link java.math.BigDecimal} USD per token; costs are exact until one final rounding to
 * whole micro-dollars.
 */
package io.tekton.penia.engine.price;
