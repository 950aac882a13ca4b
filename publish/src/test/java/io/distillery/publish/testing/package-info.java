/**
 * Real services for tests, started by the tests themselves: {@link io.distillery.publish.testing.S3ProxyServer}
 * runs an S3-compatible server (s3proxy, filesystem backend) as its own process on 127.0.0.1.
 * Other modules may copy the class together with the {@code copy-s3proxy} execution and the
 * {@code s3proxy.jar} system property of this module's pom.
 */
package io.distillery.publish.testing;
