package io.distillery.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The process's resident memory from /proc (Linux): current (VmRSS) and peak (VmHWM), in bytes. */
final class Rss {
  private Rss() {}

  static long current() {
    return field("VmRSS:");
  }

  static long peak() {
    return field("VmHWM:");
  }

  private static long field(String name) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith(name)) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read /proc/self/status", e);
    }
    throw new IllegalStateException(name + " not in /proc/self/status");
  }
}
