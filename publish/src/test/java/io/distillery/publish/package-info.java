/**
 * Tests of the model repository against real stores: the local file system, HDFS
 * ({@code MiniDFSCluster}) and S3 (s3proxy in its own process); one contract, one subclass per store.
 */
package io.distillery.publish;
