/**
 * What both APIs do, once: {@link io.distillery.serve.inference.InferenceService} resolves a model
 * name and version to a loaded version, checks a {@link io.distillery.serve.inference.PredictCall}
 * against the signature and runs it; and answers metadata and status questions. The REST and gRPC
 * front ends only translate their wire formats to and from these types.
 */
package io.distillery.serve.inference;
