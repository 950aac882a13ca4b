/**
 * Real services for tests, started by the tests themselves: {@link io.distillery.publish.testing.S3ProxyServer}
 * runs an S3-compatible server (s3proxy, filesystem backend) as its own process on 127.0.0.1.
 * Other modules use it through this module's test-jar ({@code distillery-publish} with
 * {@code <type>test-jar</type>}, test scope) and set the {@code s3proxy.jar} system property in their
 * surefire configuration (see the jobs module's pom).
 */
package io.distillery.publish.testing;
