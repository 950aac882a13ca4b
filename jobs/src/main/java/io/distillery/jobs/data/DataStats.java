package io.distillery.jobs.data;

import java.io.Serializable;

/**
 * What validation learned about a data set: its row count and an order-independent content hash
 * (the sum of per-row 64-bit hashes), so the same rows give the same hash however Spark split them.
 */
public record DataStats(String source, long rows, String hash) implements Serializable {}
