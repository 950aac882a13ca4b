/**
 * What a run directory says about its run, for people and schedulers: {@link
 * io.distillery.jobs.report.RunRecord} reads the files the stages leave behind (metrics.jsonl, each
 * stage's result.json, export/formats.json, publish/result.json, failure.json), {@link
 * io.distillery.jobs.report.ReportWriter} turns one into a self-contained {@code report.html} (charts
 * drawn by Chart.js, inlined from its webjar, so the page needs no network), and {@link
 * io.distillery.jobs.report.Reports} keeps that file current at the end of every command.
 */
package io.distillery.jobs.report;
