/**
 * What every black-box test uses: {@link io.tekton.penia.it.support.TestServer} (the real server
 * on port 0 with a temporary SQLite file), {@link io.tekton.penia.it.support.PeniaServerTest}
 * (starts one per class, or per test, and closes it) and {@link io.tekton.penia.it.support.PeniaClient}
 * (the typed client it injects: budgets, records, checks, summaries, ledger rows, keys, audit).
 *
 * <p>A new test class is {@code @PeniaServerTest} with a {@code static PeniaClient penia;} field,
 * makes its own budget with a {@link io.tekton.penia.it.support.PeniaClient#uniq unique} component,
 * writes through one interface and asserts the effect through another (summary, ledger rows).
 * A test that takes more than a few seconds (subprocesses, browsers, conformance suites, loops of
 * thousands of records) is {@code @Tag("slow")}: {@code bin/penia test --quick} leaves it out,
 * {@code bin/penia test} (CI) runs it. The quick run also leaves out the packages {@code it.postgres}
 * and {@code it.cluster}, whose tests start their own PostgreSQL.
 */
package io.tekton.penia.it.support;
