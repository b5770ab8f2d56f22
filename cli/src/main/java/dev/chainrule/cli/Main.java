package dev.chainrule.cli;

import dev.chainrule.wire.TransportLogLines;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code chainrule} command: parses the arguments and runs one subcommand. To add a subcommand,
 * add its class to the {@code subcommands} list below; it gets {@code --verbose} and the shared error
 * handling ({@link ErrorHandlers}) for free.
 */
@Command(name = "chainrule",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
            "Chainrule: automatic differentiation (reverse and forward mode) on float64 tensors,"
                    + " and distributed data-parallel training built on it.",
            "",
            "Run 'chainrule COMMAND --help' for what a command does, its options and examples."
        },
        commandListHeading = "%nCommands:%n",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:success",
            "1:unexpected error (one line; add --verbose for the stack trace)",
            "2:invalid input (unknown option, bad value, missing command, or a command's own input errors)"
        },
        subcommands = {
            GradCommand.class,
            TrainCommand.class,
            EvalCommand.class,
            CoordinatorCommand.class,
            WorkerCommand.class,
        })
public final class Main implements Runnable {

    @Spec
    private CommandSpec spec;

    /** The property that sets java.util.logging's line format, read when the first record is formatted. */
    private static final String LOG_FORMAT = "java.util.logging.SimpleFormatter.format";

    /** How often, at most, gRPC's and Netty's records become a line on stderr without --verbose. */
    static final Duration TRANSPORT_LOG_INTERVAL = Duration.ofSeconds(10);

    @Option(names = "--verbose", scope = ScopeType.INHERIT,
            description = {"On an unexpected error, print its stack trace instead of one line; and let gRPC and Netty log what peers"
                    + " cause (connections that do not speak gRPC, oversized messages) as they do, stack traces included, instead of"
                    + " one short line at most every 10 s."})
    private boolean verbose;

    /** Runs the command line with UTF-8 output and one-line log records, and exits with its exit code. */
    public static void main(String[] args) {
        // a log record is one line, "WARNING: message", its stack trace (if any) after it; unless the user set a format
        if (System.getProperty(LOG_FORMAT) == null) {
            System.setProperty(LOG_FORMAT, "%4$s: %5$s%6$s%n");
        }
        PrintWriter out = utf8(System.out);
        PrintWriter err = utf8(System.err);
        int exitCode = commandLine(out, err).execute(args);
        out.flush();
        err.flush();
        System.exit(exitCode);
    }

    /**
     * The configured command line, printing results to {@code out} and errors to {@code err}: what
     * {@link #main} runs, and what tests run in-process.
     */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        CommandLine commandLine = new CommandLine(new Main());
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setParameterExceptionHandler(ErrorHandlers::invalidInput);
        commandLine.setExecutionExceptionHandler(ErrorHandlers::executionError);
        commandLine.setExecutionStrategy(Main::executeQuietly);
        return commandLine;
    }

    /**
     * Runs the command; unless --verbose was given, gRPC's and Netty's log records go to the command
     * line's error writer as {@link TransportLogLines} while it runs, instead of as stack traces.
     */
    private static int executeQuietly(ParseResult parseResult) {
        PrintWriter err = parseResult.commandSpec().commandLine().getErr();
        TransportLogLines lines = ErrorHandlers.verboseRequested(parseResult) ? null : new TransportLogLines(line -> {
            synchronized (err) {
                err.println(line);
                err.flush();
            }
        }, TRANSPORT_LOG_INTERVAL, System::nanoTime).install();
        try {
            return new CommandLine.RunLast().execute(parseResult);
        } finally {
            if (lines != null) {
                lines.uninstall();
            }
        }
    }

    /** Without a subcommand there is nothing to do: an input error listing the commands. */
    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(),
                "missing command: choose one of " + String.join(", ", spec.subcommands().keySet()));
    }

    private static PrintWriter utf8(OutputStream stream) {
        return new PrintWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8), true);
    }

    /** The version from the jar's manifest, or a note when running from classes (tests, IDE). */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Main.class.getPackage().getImplementationVersion();
            return new String[] {"chainrule " + (version != null ? version : "(development build, not from the jar)")};
        }
    }
}
