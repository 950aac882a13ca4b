package io.distillery.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * notebooks/quickstart.ipynb executed headless by notebooks/run-notebook.sh (Debian's Jupyter, a
 * Python kernel): it starts a run through bin/distillery and its output holds the plots. Jupyter
 * missing is a failure: CI installs it (.ci/run).
 */
class NotebookIT {
    @TempDir
    Path tmp;

    @Test
    void quickstartRunsHeadlessAndItsOutputHoldsThePlots() throws Exception {
        Path script = AirflowDag.ROOT.resolve("notebooks/run-notebook.sh");
        Path executed = tmp.resolve("out/quickstart.executed.ipynb");
        ProcessBuilder pb = new ProcessBuilder(script.toString(), executed.toString());
        pb.environment().put("DISTILLERY_NOTEBOOK_WORKDIR", tmp.resolve("work").toString());
        pb.environment().put("DISTILLERY_NOTEBOOK_RUN_ID", "notebook-it");
        pb.redirectErrorStream(true);
        Path log = tmp.resolve("nbconvert.log");
        pb.redirectOutput(log.toFile());
        Process p = pb.start();
        if (!p.waitFor(40, TimeUnit.MINUTES)) {
            p.destroyForcibly();
        }
        assertEquals(0, p.exitValue(), "run-notebook.sh failed:\n" + Files.readString(log));

        JsonNode nb = new ObjectMapper().readTree(executed.toFile());
        assertEquals("python3", nb.at("/metadata/kernelspec/name").asText());
        List<byte[]> pngs = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        for (JsonNode cell : nb.get("cells")) {
            for (JsonNode out : cell.path("outputs")) {
                assertTrue(!"error".equals(out.get("output_type").asText()), "a cell failed: " + out);
                if (out.has("text")) {
                    out.get("text").forEach(t -> text.append(t.asText()));
                }
                JsonNode png = out.path("data").path("image/png");
                if (!png.isMissingNode()) {
                    pngs.add(Base64.getMimeDecoder().decode(png.asText()));
                }
            }
        }
        assertTrue(pngs.size() >= 2, "loss/accuracy curves and accuracy-vs-size plots: found " + pngs.size());
        for (byte[] png : pngs) {
            assertTrue(png.length > 10_000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', "a real PNG plot");
        }
        String s = text.toString();
        assertTrue(
                s.contains("notebook-it: published, stages done: teacher distill prune export publish, version 1"), s);
        assertTrue(s.contains("epoch  1/3"), "followed the run's progress: " + s);
        assertTrue(s.contains("tflite-int8: model_int8.tflite"), "every artifact's size listed: " + s);
        assertTrue(Files.isRegularFile(tmp.resolve("work/runs/notebook-it/report.html")));
    }
}
