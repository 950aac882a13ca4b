package io.distillery.prune;

import io.distillery.prune.SparsitySchedule.ConstantSparsity;
import io.distillery.prune.SparsitySchedule.PolynomialDecay;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@code prune} section of a job config: a {@link SparsitySchedule} and the {@link PruningScope}.
 *
 * <p>{@link #fromMap} reads the flat key/value form (numbers may be numbers or strings, as from YAML,
 * JSON or a command line); {@link #toMap} writes the same form for a manifest, and reads back equal.
 *
 * <table>
 *   <caption>Keys</caption>
 *   <tr><th>key</th><th>{@code constant}</th><th>{@code polynomial_decay}</th></tr>
 *   <tr><td>{@code schedule}</td><td>required</td><td>required</td></tr>
 *   <tr><td>{@code target_sparsity}</td><td>required (alias {@code final_sparsity})</td><td>—</td></tr>
 *   <tr><td>{@code initial_sparsity}</td><td>—</td><td>required</td></tr>
 *   <tr><td>{@code final_sparsity}</td><td>alias of {@code target_sparsity}</td><td>required</td></tr>
 *   <tr><td>{@code begin_step}</td><td>required</td><td>required</td></tr>
 *   <tr><td>{@code end_step}</td><td>default -1 (never ends)</td><td>required</td></tr>
 *   <tr><td>{@code power}</td><td>—</td><td>default 3</td></tr>
 *   <tr><td>{@code frequency}</td><td>default 100</td><td>default 100</td></tr>
 *   <tr><td>{@code include}</td><td colspan="2">default {@code .*}{@code /kernel}, see {@link PruningScope}</td></tr>
 * </table>
 *
 * <p>Defaults are TF-MOT's. A key that does not apply to the chosen schedule is an error rather than
 * silently ignored.
 */
public record PruningConfig(SparsitySchedule schedule, PruningScope scope) {

  public static final String CONSTANT = "constant";
  public static final String POLYNOMIAL_DECAY = "polynomial_decay";
  public static final int DEFAULT_FREQUENCY = 100;

  private static final List<String> SCHEDULES = List.of(CONSTANT, POLYNOMIAL_DECAY);
  private static final Set<String> CONSTANT_KEYS =
      Set.of("schedule", "target_sparsity", "final_sparsity", "begin_step", "end_step", "frequency",
          "include");
  private static final Set<String> POLYNOMIAL_KEYS =
      Set.of("schedule", "initial_sparsity", "final_sparsity", "begin_step", "end_step", "power",
          "frequency", "include");

  public PruningConfig {
    if (schedule == null) {
      throw new IllegalArgumentException("prune.schedule must be set, found null");
    }
    if (scope == null) {
      throw new IllegalArgumentException("prune.include: scope must be set, found null");
    }
  }

  /** Reads the flat form described above. */
  public static PruningConfig fromMap(Map<String, ?> prune) {
    Object type = prune.get("schedule");
    if (type == null) {
      throw new IllegalArgumentException(
          "prune.schedule is missing; expected one of " + SCHEDULES);
    }
    String name = type.toString().trim();
    SparsitySchedule schedule =
        switch (name) {
          case CONSTANT -> constant(prune);
          case POLYNOMIAL_DECAY -> polynomial(prune);
          default -> throw new IllegalArgumentException(
              "prune.schedule must be one of " + SCHEDULES + ", found '" + name + "'");
        };
    Object include = prune.get("include");
    PruningScope scope =
        include == null ? PruningScope.KERNELS : new PruningScope(include.toString());
    return new PruningConfig(schedule, scope);
  }

  /** The flat form: the schedule's keys, then {@code include}. */
  public Map<String, Object> toMap() {
    Map<String, Object> map = new LinkedHashMap<>(schedule.toMap());
    map.put("include", scope.include());
    return map;
  }

  private static ConstantSparsity constant(Map<String, ?> prune) {
    onlyKeys(prune, CONSTANT_KEYS, CONSTANT);
    if (prune.containsKey("target_sparsity") && prune.containsKey("final_sparsity")) {
      throw new IllegalArgumentException(
          "prune.target_sparsity and prune.final_sparsity are the same setting for schedule "
              + CONSTANT + "; set only one");
    }
    String target = prune.containsKey("final_sparsity") ? "final_sparsity" : "target_sparsity";
    return new ConstantSparsity(
        requiredDouble(prune, target),
        requiredLong(prune, "begin_step"),
        optionalLong(prune, "end_step", SparsitySchedule.NEVER_ENDS),
        optionalInt(prune, "frequency", DEFAULT_FREQUENCY));
  }

  private static PolynomialDecay polynomial(Map<String, ?> prune) {
    onlyKeys(prune, POLYNOMIAL_KEYS, POLYNOMIAL_DECAY);
    return new PolynomialDecay(
        requiredDouble(prune, "initial_sparsity"),
        requiredDouble(prune, "final_sparsity"),
        requiredLong(prune, "begin_step"),
        requiredLong(prune, "end_step"),
        prune.containsKey("power")
            ? requiredDouble(prune, "power")
            : PolynomialDecay.DEFAULT_POWER,
        optionalInt(prune, "frequency", DEFAULT_FREQUENCY));
  }

  private static void onlyKeys(Map<String, ?> prune, Set<String> allowed, String schedule) {
    for (String key : prune.keySet()) {
      if (!allowed.contains(key)) {
        throw new IllegalArgumentException(
            "prune." + key + " is not a setting of schedule " + schedule + "; expected keys "
                + new TreeSet<>(allowed));
      }
    }
  }

  private static double requiredDouble(Map<String, ?> prune, String key) {
    Object value = required(prune, key);
    if (value instanceof Number n) {
      return n.doubleValue();
    }
    try {
      return Double.parseDouble(value.toString().trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "prune." + key + " must be a number, found '" + value + "'", e);
    }
  }

  private static long requiredLong(Map<String, ?> prune, String key) {
    Object value = required(prune, key);
    try {
      // toString keeps 100, 100.0 and "100" alike exact; 100.5 and 1e30 fail longValueExact.
      return new BigDecimal(value.toString().trim()).longValueExact();
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException(
          "prune." + key + " must be an integer, found '" + value + "'", e);
    }
  }

  private static long optionalLong(Map<String, ?> prune, String key, long fallback) {
    return prune.containsKey(key) ? requiredLong(prune, key) : fallback;
  }

  private static int optionalInt(Map<String, ?> prune, String key, int fallback) {
    long value = optionalLong(prune, key, fallback);
    if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "prune." + key + " must fit in an int, found " + value);
    }
    return (int) value;
  }

  private static Object required(Map<String, ?> prune, String key) {
    Object value = prune.get(key);
    if (value == null) {
      throw new IllegalArgumentException("prune." + key + " is missing; it has no default");
    }
    return value;
  }
}
