package io.distillery.jobs.search;

import io.distillery.core.train.GradientReducer;
import io.distillery.core.train.Replica;
import io.distillery.jobs.spark.StageRunner;
import io.distillery.search.Trial;
import io.distillery.search.TrialData;
import io.distillery.search.TrialResult;
import io.distillery.search.TrialRunner;
import io.distillery.search.TrialSettings;
import io.distillery.stage.Json;
import io.distillery.stage.StageStore;
import java.io.IOException;
import java.net.InetAddress;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.broadcast.Broadcast;
import org.tensorflow.Session;
import org.tensorflow.proto.ConfigProto;

/**
 * One trial as a Spark task. A trial whose result is already in the run directory is read back, not
 * run: a task retried after its result was written (a lost executor, a speculative copy) never trains
 * the trial twice, and a trial whose executor died before that resumes from its checkpoints.
 */
final class TrialTask implements Function<Trial, TrialResult> {
    private final TrialSettings settings;
    private final Broadcast<TrialData> data;
    private final StageStore trials;

    TrialTask(TrialSettings settings, Broadcast<TrialData> data, StageStore trials) {
        this.settings = settings;
        this.data = data;
        this.trials = trials;
    }

    @Override
    public TrialResult call(Trial trial) throws IOException {
        StageStore dir = trials.child(trial.id());
        if (dir.exists(TrialResult.FILE)) {
            return read(dir);
        }
        // Every attempt leaves a marker: how a test tells a retried trial from one run twice.
        String attempt = attemptId();
        String where = executor();
        dir.writeString(TrialResult.ATTEMPTS + "/" + attempt, where);
        ConfigProto session = StageRunner.taskConfig();
        TrialResult result = TrialRunner.run(
                        trial,
                        settings,
                        data.value(),
                        dir,
                        () -> new Replica(
                                GradientReducer.LOCAL, session == null ? Session::new : g -> new Session(g, session)),
                        where)
                .withAttempt(attempt);
        // The result last: it marks the trial finished (a write is atomic).
        dir.writeString(
                TrialResult.FILE, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(result));
        return result;
    }

    static TrialResult read(StageStore dir) throws IOException {
        return Json.MAPPER.readValue(dir.read(TrialResult.FILE), TrialResult.class);
    }

    private static String attemptId() {
        TaskContext task = TaskContext.get();
        String uid = java.util.UUID.randomUUID().toString().substring(0, 8);
        return task == null
                ? "local-" + uid
                : "task" + task.taskAttemptId() + "-attempt" + task.attemptNumber() + "-" + uid;
    }

    private static String executor() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "unknown-host";
        }
        SparkEnv env = SparkEnv.get();
        return (env == null ? "driver" : "executor " + env.executorId()) + " on " + host;
    }
}
