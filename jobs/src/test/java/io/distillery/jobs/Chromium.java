package io.distillery.jobs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Headless Chromium (Debian's {@code chromium} package), offline: every request goes to a proxy that
 * does not exist. A missing browser is a failure, not a skip: CI installs it (.ci/run).
 */
final class Chromium {
    private Chromium() {}

    static Path binary() {
        for (String candidate : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return Path.of(candidate);
            }
        }
        throw new IllegalStateException(
                "headless Chromium not found (looked for /usr/bin/chromium): install Debian's package: apt-get install chromium");
    }

    /** The page's DOM after its scripts ran ({@code --dump-dom}). */
    static String dumpDom(Path html, Path profile) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(
                binary().toString(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--proxy-server=http://127.0.0.1:9",
                "--proxy-bypass-list=<-loopback>",
                "--user-data-dir=" + profile,
                "--dump-dom",
                html.toUri().toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Path err = Files.createTempFile(profile.getParent(), "chromium", ".err");
        pb.redirectError(err.toFile());
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("chromium did not finish; stderr:\n" + Files.readString(err));
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException("chromium exited " + p.exitValue() + "; stderr:\n" + Files.readString(err));
        }
        return new String(out, StandardCharsets.UTF_8);
    }
}
