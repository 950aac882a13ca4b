/**
 * The job as a sequence of stages over one run directory: data, teacher, student from scratch,
 * distilled student, pruned student ({@link io.distillery.jobs.pipeline.Pipeline}), then export and
 * publish ({@link io.distillery.jobs.pipeline.Deliver}). A finished stage is read back, never redone,
 * so a scheduler can run and retry the stages as separate tasks.
 */
package io.distillery.jobs.pipeline;
