package io.distillery.jobs.cli;

import io.distillery.jobs.failure.ExitCodes;
import io.distillery.jobs.failure.Failures;
import io.distillery.jobs.pipeline.Versions;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code distillery}: the command line. Every job command exits 0 only on success; see
 * {@link ExitCodes} for the others.
 */
@Command(
        name = "distillery",
        mixinStandardHelpOptions = true,
        versionProvider = Main.VersionProvider.class,
        description = {
            "Turns a labelled data set on a Spark cluster into small, fast, servable models:",
            "teacher -> distilled student -> pruned -> SavedModel/TFLite/TF.js -> published version."
        },
        subcommands = {
            PipelineCommand.class,
            StageCommands.Teacher.class,
            StageCommands.Distill.class,
            StageCommands.Prune.class,
            StageCommands.Export.class,
            StageCommands.Publish.class,
            SearchCommand.class,
            ModelsCommand.class,
            ServeCommand.class,
            RunsCommand.class,
            ReportCommand.class,
            CommandLine.HelpCommand.class
        },
        footerHeading = ExitCodes.FOOTER_HEADING,
        footer = ExitCodes.FOOTER)
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required; see --help");
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            Failures.Failure f = Failures.classify(e);
            PrintWriter err = cmd.getErr();
            err.println("distillery: " + f.message());
            // An internal error's stack trace goes to the full log (the terminal when there is none).
            if (System.getenv("DISTILLERY_DEBUG") != null
                    || (f.exitCode() == ExitCodes.INTERNAL && !RunLog.logStackTrace(e))) {
                e.printStackTrace(err);
            }
            if (RunLog.where() != null) {
                err.println("distillery: full log: " + RunLog.where());
            }
            err.flush();
            return f.exitCode();
        });
        cl.setParameterExceptionHandler((e, args) -> {
            PrintWriter err = e.getCommandLine().getErr();
            String unknown = unknownCommand(e);
            if (unknown != null) {
                err.println("distillery: " + unknown);
            } else {
                err.println("distillery: " + e.getMessage());
                if (!CommandLine.UnmatchedArgumentException.printSuggestions(e, err)) {
                    err.println("Try '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
                }
            }
            err.flush();
            return ExitCodes.CONFIG;
        });
        return cl;
    }

    /**
     * "unknown command 'X'" with the commands there are (and the one meant, if X is a near miss), for a
     * first argument that names no command; picocli's own suggestion is any similar-looking command.
     */
    static String unknownCommand(CommandLine.ParameterException e) {
        if (!(e instanceof CommandLine.UnmatchedArgumentException u)
                || u.getUnmatched().isEmpty()) {
            return null;
        }
        CommandLine cl = e.getCommandLine();
        String word = u.getUnmatched().get(0);
        if (cl.getSubcommands().isEmpty() || word.startsWith("-")) {
            return null;
        }
        java.util.List<String> names =
                new java.util.ArrayList<>(cl.getSubcommands().keySet());
        names.remove("help");
        String near =
                names.stream().filter(n -> distance(n, word) <= 2).findFirst().orElse(null);
        return "unknown command '" + word + "'" + (near != null ? "; did you mean '" + near + "'?" : "") + " Commands: "
                + String.join(", ", names) + " (" + cl.getCommandSpec().qualifiedName() + " --help)";
    }

    /** Edit distance, for near misses such as "pipline". */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            int[] cur = new int[b.length() + 1];
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                cur[j] = Math.min(
                        Math.min(cur[j - 1], prev[j]) + 1, prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            }
            prev = cur;
        }
        return prev[b.length()];
    }

    public static void main(String[] args) {
        RunLog.attachTerminal();
        int code = commandLine().execute(args);
        System.exit(code);
    }

    /** Prints the versions Distillery was built with. */
    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"distillery " + Versions.distillery(), "java " + System.getProperty("java.version")};
        }
    }
}
