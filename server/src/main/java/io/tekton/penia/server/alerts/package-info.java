/**
 * Delivery of alerts to the channels of a budget (webhook, Slack, e-mail): an outbox row per
 * alert and channel committed with the alert, and a background sender that delivers each row
 * at most once, retries with backoff, survives restarts and never slows recording.
 */
package io.tekton.penia.server.alerts;
