/**
 * Model versions from storage to memory and back: {@link io.distillery.serve.model.VersionWatcher}
 * polls the model's base path, {@link io.distillery.serve.model.VersionLoader} copies a COMPLETE
 * version to local disk while checking every byte against its manifest and loads the SavedModel,
 * {@link io.distillery.serve.model.ServableRegistry} swaps versions in and out, and a
 * {@link io.distillery.serve.model.ServableVersion} counts its in-flight requests
 * ({@link io.distillery.serve.model.Lease}) so it closes only after the last one has finished.
 */
package io.distillery.serve.model;
