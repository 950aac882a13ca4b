package io.distillery.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.distillery.jobs.failure.ExitCodes;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/** Every command's --help as a user reads it at 80 columns. */
class HelpTextTest {
    /** A config key, a path template or a URI: what must never be broken across lines. */
    private static final Pattern TOKEN =
            Pattern.compile("[A-Za-z0-9_<>\\[\\]-]+(?:\\.[A-Za-z0-9_<>\\[\\]/-]+)+|[a-z0-9]+://[^\\s,)]*");

    @Test
    void theCommandListShowsAWholeSentencePerCommand() {
        CommandLine root = Main.commandLine();
        String help = root.getUsageMessage();
        for (var e : root.getSubcommands().entrySet()) {
            if (e.getKey().equals("help")) {
                continue;
            }
            String summary = e.getValue().getCommandSpec().usageMessage().description()[0];
            assertTrue(summary.endsWith("."), e.getKey() + ": a summary is one whole sentence: " + summary);
            int line = help.lines()
                    .filter(l -> l.contains(summary))
                    .findFirst()
                    .map(String::length)
                    .orElse(999);
            assertTrue(line <= 80, e.getKey() + "'s summary is shown whole, on its line:\n" + help);
        }
    }

    @Test
    void noKeyPathOrUriIsBrokenAcrossLines() {
        List<String> broken = new ArrayList<>();
        for (CommandLine cl : all(Main.commandLine())) {
            String help = cl.getUsageMessage().replaceAll("\\s+", " ");
            for (String text : texts(cl.getCommandSpec())) {
                Matcher m = TOKEN.matcher(text);
                while (m.find()) {
                    if (!help.contains(m.group())) {
                        broken.add(cl.getCommandSpec().qualifiedName() + ": " + m.group());
                    }
                }
            }
        }
        assertEquals(List.of(), broken);
    }

    @Test
    void usageComesFirstAndJobCommandsShowTheExitCodes() {
        for (CommandLine cl : all(Main.commandLine())) {
            String help = cl.getUsageMessage();
            String name = cl.getCommandSpec().qualifiedName();
            assertTrue(help.startsWith("Usage: "), name + " --help starts with its usage:\n" + help);
        }
        for (String job : List.of("pipeline", "teacher", "distill", "prune", "export", "publish")) {
            String help = Main.commandLine().getSubcommands().get(job).getUsageMessage();
            assertTrue(help.contains("Exit codes:") && help.contains("3 bad data"), job + ":\n" + help);
        }
    }

    @Test
    void anUnknownCommandNamesTheCommandsAndOnlyANearMiss() {
        assertTrue(
                run("train").startsWith("distillery: unknown command 'train' Commands: pipeline, teacher"),
                run("train"));
        assertTrue(run("pipline").contains("did you mean 'pipeline'?"), run("pipline"));
        assertTrue(run("models", "lst").contains("unknown command 'lst'; did you mean 'list'?"), run("models", "lst"));
    }

    private static String run(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        cl.setOut(new PrintWriter(new StringWriter(), true));
        int code = cl.execute(args);
        assertEquals(ExitCodes.CONFIG, code, String.join(" ", args));
        return err.toString();
    }

    private static List<CommandLine> all(CommandLine root) {
        List<CommandLine> out = new ArrayList<>();
        out.add(root);
        for (var e : root.getSubcommands().entrySet()) {
            if (!e.getKey().equals("help")) {
                out.addAll(all(e.getValue()));
            }
        }
        return out;
    }

    private static List<String> texts(CommandSpec spec) {
        List<String> out = new ArrayList<>(List.of(spec.usageMessage().description()));
        for (OptionSpec o : spec.options()) {
            out.addAll(List.of(o.description()));
        }
        for (PositionalParamSpec p : spec.positionalParameters()) {
            out.addAll(List.of(p.description()));
        }
        return out;
    }
}
