package io.distillery.jobs.setup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/setup} on a machine without the data set, as root and as a user with sudo. The package
 * manager, sudo and Maven are stubs on the PATH that record how they were called (this machine's own
 * are not touched); everything else — bash, the script's logic — is real.
 */
class SetupScriptTest {
    private static final Path REPO = Path.of(System.getProperty("distillery.root", ".."))
            .toAbsolutePath()
            .normalize();
    private static final int NOBODY = 65534;

    @TempDir
    Path tmp;

    @Test
    void asRootItInstallsTheDataSetAndBuilds() throws Exception {
        assumeTrue(uid() == 0, "the root case needs root (CI runs as root)");
        Result r = runSetup(List.of());
        assertEquals(0, r.code, r.toString());
        assertEquals(
                List.of(
                        "apt-get DEBIAN_FRONTEND=noninteractive update -qq",
                        "apt-get DEBIAN_FRONTEND=noninteractive install -y -qq dataset-fashion-mnist",
                        "mvn -q -B install -DskipTests"),
                r.calls,
                r.toString());
    }

    @Test
    void asAUserWithSudoItInstallsThroughSudoAndBuilds() throws Exception {
        List<String> asUser = new ArrayList<>();
        if (uid() == 0) {
            // Root runs the script as nobody; everything it needs is world-readable in the temp dir.
            asUser = List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups");
        }
        Result r = runSetup(asUser);
        assertEquals(0, r.code, r.toString());
        assertEquals(
                List.of(
                        "sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq",
                        "apt-get DEBIAN_FRONTEND=noninteractive update -qq",
                        "sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist",
                        "apt-get DEBIAN_FRONTEND=noninteractive install -y -qq dataset-fashion-mnist",
                        "mvn -q -B install -DskipTests"),
                r.calls,
                r.toString());
    }

    private Result runSetup(List<String> prefix) throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path calls = tmp.resolve("calls.log");
        Files.writeString(calls, "");
        Path noData = Files.createDirectories(tmp.resolve("no-data-set"));
        stub(bin, "apt-get", "echo \"apt-get DEBIAN_FRONTEND=${DEBIAN_FRONTEND:-} $*\" >> " + calls);
        stub(bin, "mvn", "echo \"mvn $*\" >> " + calls);
        stub(bin, "sudo", "echo \"sudo $*\" >> " + calls + "\nexec \"$@\"");
        for (Path p : List.of(tmp, bin, noData)) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxrwxrwx"));
        }
        Files.setPosixFilePermissions(calls, PosixFilePermissions.fromString("rw-rw-rw-"));
        // A copy in the temp dir: a checkout under a private directory (mktemp -d) is not readable by nobody.
        Path repo = Files.createDirectories(tmp.resolve("repo/bin"));
        Path setup = repo.resolve("setup");
        Files.copy(REPO.resolve("bin/setup"), setup);
        for (Path p : List.of(tmp.resolve("repo"), repo)) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Files.setPosixFilePermissions(setup, PosixFilePermissions.fromString("rwxr-xr-x"));
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of("bash", setup.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        pb.environment().put("DISTILLERY_FASHION_MNIST_DIR", noData.toString());
        pb.environment().remove("DEBIAN_FRONTEND");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "bin/setup did not finish: " + out);
        return new Result(p.exitValue(), out, Files.readAllLines(calls));
    }

    private static void stub(Path bin, String name, String body) throws IOException {
        Path f = bin.resolve(name);
        Files.writeString(f, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static long uid() throws Exception {
        Process p = new ProcessBuilder("id", "-u").start();
        return Long.parseLong(new String(p.getInputStream().readAllBytes()).trim());
    }

    private record Result(int code, String output, List<String> calls) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- output\n" + output + "--- calls\n" + String.join("\n", calls);
        }
    }
}
