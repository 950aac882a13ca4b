/**
 * How a failure ends: its {@link io.distillery.jobs.failure.FailureKind} (the documented exit code of
 * {@link io.distillery.jobs.failure.ExitCodes}, and whether a training stage is tried again),
 * decided in one place ({@link io.distillery.jobs.failure.Failures#classify}) for the CLI's exit code,
 * the run's failure record and the barrier stage's retries.
 */
package io.distillery.jobs.failure;
