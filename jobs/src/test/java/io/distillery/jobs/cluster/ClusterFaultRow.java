package io.distillery.jobs.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/** One line of the cluster fault table: a case, what it must do, what it did, how long, pass or fail. */
record ClusterFaultRow(String name, String expected, String actual, double seconds, boolean pass) {

    static ClusterFaultRow of(String name, String expected, String actual, long startedNanos, boolean pass) {
        return new ClusterFaultRow(name, expected, actual, (System.nanoTime() - startedNanos) / 1e9, pass);
    }

    static String table(List<ClusterFaultRow> rows) {
        StringBuilder sb = new StringBuilder("| case | expected | actual | seconds | pass |\n|---|---|---|---|---|\n");
        for (ClusterFaultRow r : rows) {
            sb.append(String.format(
                    Locale.ROOT,
                    "| %s | %s | %s | %.1f | %s |%n",
                    r.name,
                    esc(r.expected),
                    esc(r.actual),
                    r.seconds,
                    r.pass ? "pass" : "FAIL"));
        }
        long kills = rows.stream().filter(r -> r.name.startsWith("kill-")).count();
        long finished =
                rows.stream().filter(r -> r.name.startsWith("kill-") && r.pass).count();
        sb.append(String.format(
                Locale.ROOT,
                "%n%d/%d pass",
                rows.stream().filter(ClusterFaultRow::pass).count(),
                rows.size()));
        sb.append(
                kills == 0
                        ? String.format("%n")
                        : String.format(
                                Locale.ROOT, "; runs with a killed worker that finished: %d/%d%n", finished, kills));
        return sb.toString();
    }

    /** Writes {@code faults-cluster.md} and {@code faults-cluster.json} into {@code dir}. */
    static void write(List<ClusterFaultRow> rows, String command, Path dir) throws Exception {
        write(
                rows,
                command,
                dir,
                "faults-cluster",
                "# Fault suite: cluster cases\n\nA Master and two Workers on"
                        + " 127.0.0.1 (separate JVMs), the whole pipeline with two workers per training stage.");
    }

    /** Writes {@code <name>.md} (a heading and intro, the command, the table) and {@code <name>.json}. */
    static void write(List<ClusterFaultRow> rows, String command, Path dir, String name, String intro)
            throws Exception {
        Files.createDirectories(dir);
        ObjectMapper m = new ObjectMapper();
        ObjectNode root = m.createObjectNode();
        root.put("command", command);
        root.put("generated", Instant.now().toString());
        ArrayNode cases = root.putArray("cases");
        for (ClusterFaultRow r : rows) {
            ObjectNode n = cases.addObject();
            n.put("case", r.name);
            n.put("expected", r.expected);
            n.put("actual", r.actual);
            n.put("seconds", Math.round(r.seconds * 10) / 10.0);
            n.put("pass", r.pass);
        }
        Files.writeString(
                dir.resolve(name + ".json"), m.writerWithDefaultPrettyPrinter().writeValueAsString(root));
        Files.writeString(
                dir.resolve(name + ".md"), intro + "\n\nProduced by:\n\n```\n" + command + "\n```\n\n" + table(rows));
    }

    private static String esc(String s) {
        return s.replace("|", "\\|").replace("\n", " ");
    }
}
