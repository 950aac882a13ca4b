package io.distillery.jobs.report;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Properties;

/**
 * Chart.js's UMD build, read from the {@code org.webjars.npm:chart.js} webjar on the classpath, ready
 * to be inlined into a {@code <script>} element: a report carries its charting library and needs no
 * network to draw.
 */
public final class ChartJs {
    private static final String POM = "/META-INF/maven/org.webjars.npm/chart.js/pom.properties";
    private static volatile String source;
    private static volatile String version;

    private ChartJs() {}

    /** The library's version, e.g. {@code 4.5.1}. */
    public static String version() {
        if (version == null) {
            try (InputStream in = ChartJs.class.getResourceAsStream(POM)) {
                if (in == null) {
                    throw new IllegalStateException("Chart.js webjar missing from the classpath (" + POM
                            + "); the jobs jar depends on org.webjars.npm:chart.js");
                }
                Properties p = new Properties();
                p.load(in);
                version = p.getProperty("version");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return version;
    }

    /** The script text, without its source-map comment (the map is not shipped). */
    public static String source() {
        if (source == null) {
            String path = "/META-INF/resources/webjars/chart.js/" + version() + "/dist/chart.umd.js";
            try (InputStream in = ChartJs.class.getResourceAsStream(path)) {
                if (in == null) {
                    throw new IllegalStateException("Chart.js webjar has no " + path);
                }
                String js = new String(in.readAllBytes(), StandardCharsets.UTF_8)
                        .replaceAll("(?m)^//# sourceMappingURL=.*$", "");
                if (js.toLowerCase(java.util.Locale.ROOT).contains("</script")) {
                    throw new IllegalStateException(path + " contains '</script': it cannot be inlined as is");
                }
                source = js;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return source;
    }
}
