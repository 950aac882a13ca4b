/**
 * Reading training and test data with Spark (IDX, Parquet, CSV, Arrow IPC on any Hadoop FileSystem)
 * and validating every row before any training: width, label range, NaN and infinity, each failure
 * naming the file and row.
 */
package io.distillery.jobs.data;
