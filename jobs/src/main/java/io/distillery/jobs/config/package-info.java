/** Job configuration: YAML defaults in cluster-conf/, user files and --set overrides, validated records. */
package io.distillery.jobs.config;
