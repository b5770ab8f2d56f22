package dev.chainrule.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * How every command reports errors it did not handle itself: bad arguments as one message and a
 * pointer to {@code --help} (exit 2); anything unexpected as one line (exit 1), or its stack trace
 * when {@code --verbose} was given.
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
        err.println("Try '" + command.getCommandSpec().qualifiedName() + " --help' for more information.");
        err.flush();
        return command.getCommandSpec().exitCodeOnInvalidInput();
    }

    /** picocli's execution-exception handler: a bug or an environment failure, not an input error. */
    static int unexpectedError(Exception ex, CommandLine command, ParseResult parseResult) {
        PrintWriter err = command.getErr();
        if (verboseRequested(parseResult)) {
            ex.printStackTrace(err);
        } else {
            err.println("error: " + oneLine(ex) + " (run again with --verbose for the stack trace)");
        }
        err.flush();
        return command.getCommandSpec().exitCodeOnExecutionException();
    }

    private static boolean verboseRequested(ParseResult parseResult) {
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
