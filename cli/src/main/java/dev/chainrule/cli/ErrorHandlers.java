package dev.chainrule.cli;

import dev.chainrule.checkpoint.CheckpointException;
import dev.chainrule.coordinator.DistributedTrainingException;
import dev.chainrule.data.DataFileException;
import dev.chainrule.weights.OutputPathException;
import dev.chainrule.weights.WeightsFileException;
import dev.chainrule.worker.WorkerException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * How every command reports errors: bad arguments as one message and a pointer to {@code --help}
 * (exit 2); invalid input found while running as one message (exit 2); a failed distributed run as
 * one message (exit 1); anything unexpected as one line (exit 1), or its stack trace when
 * {@code --verbose} was given.
 */
final class ErrorHandlers {
    private ErrorHandlers() {
    }

    /** picocli's parameter-exception handler: the message, suggestions for typos, and where to get help. */
    static int invalidInput(ParameterException ex, String[] args) {
        CommandLine command = ex.getCommandLine();
        PrintWriter err = command.getErr();
        err.println("error: " + ex.getMessage());
        UnmatchedArgumentException.printSuggestions(ex, err);
        err.print(command.getHelp().synopsis(0).replaceFirst("^\\s*", "Usage: "));
        err.println("Try '" + command.getCommandSpec().qualifiedName() + " --help' for more information.");
        err.flush();
        return command.getCommandSpec().exitCodeOnInvalidInput();
    }

    /**
     * picocli's execution-exception handler. Invalid input found while running (bad data, weights or
     * checkpoint files, output paths that cannot be written, out-of-range settings) is one message,
     * exit 2; a distributed run that failed is one message, exit 1; anything else is a bug or an environment failure: one line, exit 1.
     */
    static int executionError(Exception ex, CommandLine command, ParseResult parseResult) {
        PrintWriter err = command.getErr();
        int exitCode = command.getCommandSpec().exitCodeOnExecutionException();
        if (isInputError(ex)) {
            err.println("error: " + ex.getMessage());
            exitCode = command.getCommandSpec().exitCodeOnInvalidInput();
        } else if (ex instanceof DistributedTrainingException || ex instanceof WorkerException) {
            err.println("error: the run failed: " + ex.getMessage());
        } else if (verboseRequested(parseResult)) {
            ex.printStackTrace(err);
        } else {
            err.println("error: " + oneLine(ex) + " (run again with --verbose for the stack trace)");
        }
        err.flush();
        return exitCode;
    }

    private static boolean isInputError(Exception ex) {
        return ex instanceof InputException || ex instanceof IllegalArgumentException
                || ex instanceof DataFileException || ex instanceof WeightsFileException || ex instanceof CheckpointException
                || ex instanceof OutputPathException;
    }

    /** Whether --verbose was given at any level of the command line. */
    static boolean verboseRequested(ParseResult parseResult) {
        for (ParseResult level = parseResult; level != null; level = level.subcommand()) {
            if (level.hasMatchedOption("--verbose")) {
                return true;
            }
        }
        return false;
    }

    private static String oneLine(Throwable ex) {
        String message = ex.getMessage();
        String name = ex.getClass().getSimpleName();
        return message == null || message.isBlank() ? name : name + ": " + message.lines().findFirst().orElse("");
    }
}
