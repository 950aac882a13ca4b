/**
 * TensorFlow Serving's REST API on Jetty 12: {@link io.distillery.serve.rest.RestRoute} parses the
 * URL, {@link io.distillery.serve.rest.PredictRequestJson} reads the row ({@code instances}) and
 * columnar ({@code inputs}) formats, {@link io.distillery.serve.rest.PredictResponseJson} and
 * {@link io.distillery.serve.rest.ModelJson} write TF Serving's JSON, and every failure, including
 * Jetty's own (bad URI, oversized headers), is answered {@code {"error": "..."}} with its HTTP status.
 */
package io.distillery.serve.rest;
