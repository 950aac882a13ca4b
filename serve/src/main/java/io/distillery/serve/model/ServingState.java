package io.distillery.serve.model;

/** A version's state as TensorFlow Serving reports it in {@code ModelVersionStatus.State}. */
public enum ServingState {
    /** Being copied, verified and loaded. */
    LOADING,
    /** Answering requests. */
    AVAILABLE,
    /** Retired: finishing the requests it already had. */
    UNLOADING,
    /** Unloaded, or failed to load (the report's error says why). */
    END
}
