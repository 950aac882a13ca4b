package io.distillery.jobs.faults;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/** The fault table (Markdown) and its JSON, and where both are kept: bench/results/faults.{md,json}. */
public final class FaultReport {
    /** The command that regenerates bench/results/faults.{md,json} (as root: two cases mount a tmpfs). */
    public static final String COMMAND = "mvn -B -o test -pl jobs -am -Dtest='io.distillery.jobs.faults.*Test'"
            + " -Dsurefire.failIfNoSpecifiedTests=false -DskipITs -Dfaults.write=true";

    private static final ObjectMapper JSON = new ObjectMapper();

    private FaultReport() {}

    public static String table(List<? extends FaultResult> results) {
        StringBuilder sb = new StringBuilder();
        sb.append("| case | category | expected | actual | seconds | pass | message |\n");
        sb.append("|---|---|---|---|---|---|---|\n");
        for (FaultResult r : results) {
            sb.append(String.format(
                    "| %s | %s | %s | %s | %.1f | %s | %s |%n",
                    r.name(),
                    r.category(),
                    esc(r.expected()),
                    esc(r.actual()),
                    r.seconds(),
                    esc(r.verdict()),
                    esc(trim(r.message(), 160))));
        }
        long pass = results.stream().filter(FaultResult::pass).count();
        long gaps = results.stream()
                .filter(r -> r.verdict().startsWith("pass (GAP)"))
                .count();
        sb.append(String.format("%n%d/%d pass, %d known gaps%n", pass, results.size(), gaps));
        return sb.toString();
    }

    public static String json(List<? extends FaultResult> results) throws Exception {
        ObjectNode root = JSON.createObjectNode();
        root.put("command", COMMAND);
        root.put("generated", Instant.now().toString());
        ArrayNode cases = root.putArray("cases");
        for (FaultResult r : results) {
            ObjectNode n = cases.addObject();
            n.put("case", r.name());
            n.put("category", r.category());
            n.put("expected", r.expected());
            n.put("actual", r.actual());
            n.put("seconds", Math.round(r.seconds() * 100) / 100.0);
            n.put("pass", r.pass());
            n.put("message", r.message());
            n.setAll((ObjectNode) JSON.valueToTree(r.details()));
        }
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
    }

    /** Writes bench/results/faults.json and faults.md at the repository root. */
    public static void write(List<? extends FaultResult> results) throws Exception {
        Path dir = repoRoot().resolve("bench/results");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("faults.json"), json(results));
        List<String> categories =
                results.stream().map(FaultResult::category).distinct().toList();
        Files.writeString(
                dir.resolve("faults.md"),
                "# Fault suite: " + String.join(", ", categories) + " cases\n\nProduced by (as root: the"
                        + " read-only and full-disk cases mount a tmpfs):\n\n```\n" + COMMAND + "\n```\n\n"
                        + table(results));
    }

    static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !(Files.isDirectory(p.resolve("bench")) && Files.isRegularFile(p.resolve("pom.xml")))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("no repository root (a directory with bench/ and pom.xml) above "
                    + Path.of("").toAbsolutePath());
        }
        return p;
    }

    private static String esc(String s) {
        return s.replace("|", "\\|").replace("\n", " ");
    }

    private static String trim(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n) + "…";
    }
}
