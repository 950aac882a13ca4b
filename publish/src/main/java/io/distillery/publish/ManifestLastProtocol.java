package io.distillery.publish;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;

/**
 * Publishing to S3, where rename is a copy: files go straight into {@code <version>/}, each is read
 * back, and {@code manifest.json} is written last, so a version without manifest is unfinished.
 *
 * <p>Two publishers that pick the same number are kept apart by claims: each first writes
 * {@code <version>/_publishing-<runId>-<nonce>} and then lists the version; with S3's strong
 * read-after-write consistency at least the later of two claimants sees the other's claim (or files),
 * and whoever sees anything besides its own claim withdraws. A number whose directory holds only
 * claims younger than {@link #CLAIM_SETTLE} is being contested: the losers back off for a random
 * time and contest it again instead of moving on, so the winner ends up with it and the numbers of
 * racing publishers stay consecutive. A lone claim older than that counts as taken (its publisher is
 * uploading slowly, or died), so nobody waits on a dead claim for long. A publisher that finds a
 * running claim for its own run waits for that version instead of publishing it twice.
 */
record ManifestLastProtocol(VersionStore store, PublishOptions options) implements CommitProtocol {

    private static final System.Logger LOG = System.getLogger(ManifestLastProtocol.class.getName());
    private static final long FIRST_POLL_MILLIS = 100;
    private static final long MAX_POLL_MILLIS = 2000;
    /** How long a version holding nothing but claims counts as contested rather than taken. */
    static final Duration CLAIM_SETTLE = Duration.ofSeconds(10);
    /** Bounds the rounds spent contesting numbers, whatever happens; far above what a race needs. */
    private static final int MAX_ROUNDS = 500;

    @Override
    public PublishResult publish(PublishRequest request) throws IOException {
        List<URI> removed = new ArrayList<>();
        Set<Long> lost = new TreeSet<>();
        long pollMillis = FIRST_POLL_MILLIS;
        for (int round = 1; ; round++) {
            VersionStore.Listing listing = store.list();
            List<VersionStore.VersionScan> scans = store.scanAll(listing);
            Optional<VersionStore.VersionScan> done = CommitProtocol.completeVersionOf(scans, request.runId());
            if (done.isPresent()) {
                return new PublishResult(
                        done.get().version(), store.uri(done.get().dir()), true, removed);
            }
            String peer = removeStaleOrFindPeer(scans, request.runId(), removed);
            if (peer != null) {
                // The same run is being published by someone else right now: wait for it to finish
                // (or to go stale, when its publisher died).
                if (pollMillis == FIRST_POLL_MILLIS) {
                    LOG.log(
                            System.Logger.Level.WARNING,
                            "run '" + request.runId() + "' is being published by " + peer + "; waiting for it to"
                                    + " finish, or to go stale after " + options.staleAge());
                }
                sleep(pollMillis, "a concurrent publisher of run '" + request.runId() + "'");
                pollMillis = Math.min(2 * pollMillis, MAX_POLL_MILLIS);
                continue;
            }
            long version = nextVersion(scans, options.clock().instant());
            if (lost.size() >= options.maxAttempts() && !lost.contains(version) || round > MAX_ROUNDS) {
                throw new ModelRepositoryException("every version number tried (" + lost + ") was taken by a"
                        + " concurrent publisher (" + options.maxAttempts() + " attempts, " + (round - 1)
                        + " rounds); retry, or raise PublishOptions.maxAttempts");
            }
            Path dir = store.versionPath(version);
            Path claim = new Path(dir, RepositoryLayout.claimName(request.runId()));
            if (!claim(claim, dir, request.runId())) {
                lost.add(version);
                sleep(ThreadLocalRandom.current().nextLong(20, 200) * Math.min(round, 10), "a free version number");
                continue;
            }
            try {
                // Smallest file first: the version counts as taken by others once any file is there.
                for (LocalVersion.LocalFile file : bySize(request.local().files())) {
                    store.upload(file, dir);
                    report(
                            PublishListener.Change.FILE_WRITTEN,
                            new Path(dir, file.entry().path()));
                }
                for (LocalVersion.LocalFile file : request.local().files()) {
                    store.checkUploaded(file, dir);
                }
                store.writeManifest(
                        dir,
                        request.manifest(
                                store.modelName(), version, options.clock().instant()),
                        false);
                report(PublishListener.Change.MANIFEST_WRITTEN, new Path(dir, Manifest.FILE_NAME));
            } catch (IOException | RuntimeException | Error e) {
                Steps.cleanUp(e, () -> store.deleteTree(dir));
                throw e;
            }
            try {
                store.fs().delete(claim, false);
            } catch (IOException | RuntimeException e) {
                // The version is complete already; a leftover claim is ignored by readers and list().
                LOG.log(
                        System.Logger.Level.WARNING,
                        "could not remove claim " + store.uri(claim) + ": " + store.describe(e));
            }
            report(PublishListener.Change.CLAIM_REMOVED, claim);
            return new PublishResult(version, store.uri(dir), false, removed);
        }
    }

    /**
     * Deletes incomplete versions that saw no write for the stale age, or whose claim for {@code runId}
     * was written by a process of this host that is gone; describes the publisher of a live incomplete
     * version that holds a claim for {@code runId}, or returns null when there is none.
     */
    private String removeStaleOrFindPeer(List<VersionStore.VersionScan> scans, String runId, List<URI> removed) {
        Instant now = options.clock().instant();
        String peer = null;
        for (VersionStore.VersionScan scan : scans) {
            if (scan.status().state() != VersionState.INCOMPLETE) {
                continue; // never delete a version that has a manifest
            }
            if (CommitProtocol.isStale(scan.lastActivity(), now, options)) {
                removeLeftover(scan, removed);
            } else {
                for (String claim : scan.claims()) {
                    if (!RepositoryLayout.claimRunId(claim).equals(runId)) {
                        continue;
                    }
                    Optional<ClaimOwner> owner = readClaimOwner(new Path(scan.dir(), claim));
                    if (owner.map(ClaimOwner::goneFromThisHost).orElse(false)) {
                        // Our own run's publisher on this host, gone (a failed or killed attempt): its
                        // leftover need not wait for the stale age.
                        if (removeLeftover(scan, removed)) {
                            break;
                        }
                    }
                    peer = owner.map(ClaimOwner::toString).orElse("another publisher") + " in " + store.uri(scan.dir());
                    break;
                }
            }
        }
        return peer;
    }

    private boolean removeLeftover(VersionStore.VersionScan scan, List<URI> removed) {
        try {
            store.deleteTree(scan.dir());
        } catch (IOException | RuntimeException e) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "could not remove incomplete version " + store.uri(scan.dir()) + ": " + store.describe(e));
            return false;
        }
        removed.add(store.uri(scan.dir()));
        report(PublishListener.Change.LEFTOVER_REMOVED, scan.dir());
        return true;
    }

    /** The publisher a claim names; empty when it names none or cannot be read (then it counts as live). */
    private Optional<ClaimOwner> readClaimOwner(Path claim) {
        try (var in = store.fs().open(claim)) {
            return ClaimOwner.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * Writes our claim and keeps it only if the version holds nothing else.
     *
     * @return {@code false} when another publisher is in the version; our claim is withdrawn then
     */
    private boolean claim(Path claim, Path dir, String runId) throws IOException {
        Steps.run("claiming " + store.uri(dir) + " with " + claim.getName(), () -> {
            try (FSDataOutputStream out = store.fs().create(claim, false)) {
                out.write((runId + "\n" + ClaimOwner.current().line() + "\n").getBytes(StandardCharsets.UTF_8));
            }
        });
        report(PublishListener.Change.CLAIMED, claim);
        Map<String, FileStatus> present = new TreeMap<>(store.files(dir));
        present.remove(claim.getName());
        if (present.isEmpty()) {
            return true;
        }
        Steps.run("withdrawing claim " + store.uri(claim), () -> store.fs().delete(claim, false));
        report(PublishListener.Change.CLAIM_WITHDRAWN, claim);
        try {
            // S3A may leave an empty directory marker where the claim was; drop it unless the
            // version holds files (a non-recursive delete refuses then).
            store.fs().delete(dir, false);
        } catch (IOException | RuntimeException e) {
            // Not empty: the other publisher's version.
        }
        return false;
    }

    /**
     * One above the highest version some publisher holds: one with any file besides claims (a version
     * being uploaded, complete, or a killed publisher's leftover, whose number is never reused), or
     * whose oldest claim is older than {@link #CLAIM_SETTLE}. Versions holding only fresher claims are
     * contested right now and are claimed again rather than skipped.
     */
    static long nextVersion(List<VersionStore.VersionScan> scans, Instant now) {
        long highestHeld = scans.stream()
                .filter(scan -> isHeld(scan, now))
                .mapToLong(VersionStore.VersionScan::version)
                .max()
                .orElse(0);
        return highestHeld + 1;
    }

    private static boolean isHeld(VersionStore.VersionScan scan, Instant now) {
        Instant oldestClaim = null;
        for (Map.Entry<String, FileStatus> file : scan.files().entrySet()) {
            if (!RepositoryLayout.isClaim(file.getKey())) {
                return true;
            }
            Instant written = Instant.ofEpochMilli(file.getValue().getModificationTime());
            oldestClaim = oldestClaim == null || written.isBefore(oldestClaim) ? written : oldestClaim;
        }
        return oldestClaim != null && !oldestClaim.plus(CLAIM_SETTLE).isAfter(now);
    }

    private static List<LocalVersion.LocalFile> bySize(List<LocalVersion.LocalFile> files) {
        return files.stream()
                .sorted(Comparator.comparingLong(f -> f.entry().size()))
                .toList();
    }

    private void report(PublishListener.Change change, Path target) {
        options.listener().changed(change, store.uri(target));
    }

    private static void sleep(long millis, String what) throws InterruptedIOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            InterruptedIOException io = new InterruptedIOException("interrupted while waiting for " + what);
            io.initCause(e);
            throw io;
        }
    }
}
