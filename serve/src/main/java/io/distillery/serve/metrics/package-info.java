/**
 * The server's Prometheus metrics, in the text exposition format at {@code GET /metrics}: requests and
 * errors by API and method, request latency, batch sizes, version loads, and which versions are loaded.
 */
package io.distillery.serve.metrics;
