/**
 * Test fixtures other modules' tests use too, through this module's test-jar
 * ({@code distillery-core} with {@code <type>test-jar</type>}, test scope).
 */
package io.distillery.core.testing;
