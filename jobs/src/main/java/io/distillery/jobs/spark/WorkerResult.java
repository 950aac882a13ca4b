package io.distillery.jobs.spark;

import io.distillery.core.model.Weights;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * What one task of a barrier stage hands back: its rank, where it ran (TensorFlow server address,
 * Spark executor id, process id), a digest of its final weights (all ranks must agree, bit for bit)
 * and, from rank 0 only, the stage result with the weights themselves.
 */
public record WorkerResult(
    int rank, String address, String executor, long pid, String weightsSha256, long steps, StageResult result)
    implements Serializable {

  /** SHA-256 of the weights' serialized form: names, shapes and every float's bits. */
  public static String digest(Weights weights) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      try (DigestOutputStream out = new DigestOutputStream(OutputStream.nullOutputStream(), sha)) {
        weights.write(out);
      }
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("no SHA-256 in this JVM", e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
