package io.distillery.jobs.cli;

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
      ModelsCommand.class,
      ServeCommand.class,
      RunsCommand.class,
      ReportCommand.class,
      CommandLine.HelpCommand.class
    },
    footerHeading = "%nExit codes:%n",
    footer = {
      "  0 success            1 internal error       2 bad command line or config",
      "  3 bad data           4 storage failure      5 training failure",
      "  6 verification failed or quality gate missed (nothing published)"
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is required; see --help");
  }

  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
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
    cl.setParameterExceptionHandler(
        (e, args) -> {
          PrintWriter err = e.getCommandLine().getErr();
          err.println("distillery: " + e.getMessage());
          if (!CommandLine.UnmatchedArgumentException.printSuggestions(e, err)) {
            err.println("Try '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
          }
          err.flush();
          return ExitCodes.CONFIG;
        });
    return cl;
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
