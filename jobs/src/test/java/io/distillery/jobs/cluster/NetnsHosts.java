package io.distillery.jobs.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Hosts on one machine for tests, made by the script users run ({@code cluster-conf/netns-hosts.sh}):
 * network namespaces {@code <prefix>-master}, {@code -driver}, {@code -storage}, {@code -w1..wN}
 * joined by a bridge, each with its own address, and the links between them cut, restored or slowed
 * while a job runs. {@link #close()} kills every process left in them and deletes them, and fails if
 * a namespace or one of those processes survives, so a test also checks its own cleanup.
 */
public final class NetnsHosts implements AutoCloseable {
    private static final Path SCRIPT = StandaloneCluster.repoRoot().resolve("cluster-conf/netns-hosts.sh");
    private final String prefix;

    private NetnsHosts(String prefix) {
        this.prefix = prefix;
    }

    /** Makes the switch and the hosts master, driver, storage and w1..w{@code workers}. */
    public static NetnsHosts up(String prefix, int workers) throws IOException, InterruptedException {
        NetnsHosts hosts = new NetnsHosts(prefix);
        hosts.run("down"); // what an earlier, killed run may have left
        try {
            hosts.run("up", String.valueOf(workers));
        } catch (IOException | RuntimeException e) {
            hosts.run("down");
            throw e;
        }
        return hosts;
    }

    public String prefix() {
        return prefix;
    }

    public String address(String host) throws IOException, InterruptedException {
        return run("addr", host).strip();
    }

    /** Namespaces of this prefix that exist now, one "name processes" line each. */
    public List<String> namespaces() throws IOException, InterruptedException {
        return run("list").lines().filter(l -> !l.isBlank()).toList();
    }

    /** A and B drop each other's packets (a blackhole route on both): open connections stall, new ones fail. */
    public void cut(String a, String b) throws IOException, InterruptedException {
        run("cut", a, b);
    }

    public void heal(String a, String b) throws IOException, InterruptedException {
        run("heal", a, b);
    }

    /** The host's link goes down: no other host reaches it, nor it them. */
    public void isolate(String host) throws IOException, InterruptedException {
        run("isolate", host);
    }

    public void rejoin(String host) throws IOException, InterruptedException {
        run("rejoin", host);
    }

    /** The host's link shaped to {@code rate} each way (e.g. {@code 100mbit}). */
    public void limit(String host, String rate) throws IOException, InterruptedException {
        run("limit", host, rate);
    }

    /** Undoes every cut, isolation and limit. */
    public void healAll() throws IOException, InterruptedException {
        run("clear");
    }

    /** {@code command} as it would run on {@code host}; environment from the caller. */
    public ProcessBuilder on(String host, List<String> command) {
        List<String> cmd = new ArrayList<>(List.of("bash", SCRIPT.toString(), "exec", host));
        cmd.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("NETNS_PREFIX", prefix);
        return pb;
    }

    /** Kills what runs in the namespaces, deletes them, and fails if a namespace or a process is left. */
    @Override
    public void close() throws IOException, InterruptedException {
        List<Long> running = processes();
        run("down");
        List<String> left = namespaces();
        List<Long> alive = running.stream()
                .filter(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
                .toList();
        if (!left.isEmpty() || !alive.isEmpty()) {
            throw new IllegalStateException(
                    "after down, network namespaces left: " + left + ", processes alive: " + alive);
        }
    }

    /** Every process in these namespaces now. */
    private List<Long> processes() throws IOException, InterruptedException {
        List<Long> pids = new ArrayList<>();
        for (String line : namespaces()) {
            Process p = new ProcessBuilder("ip", "netns", "pids", line.split(" ")[0]).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            out.lines().filter(l -> l.matches("\\d+")).map(Long::parseLong).forEach(pids::add);
        }
        return pids;
    }

    private String run(String... args) throws IOException, InterruptedException {
        return ConfScript.run(SCRIPT, Map.of("NETNS_PREFIX", prefix), Duration.ofMinutes(2), args);
    }
}
