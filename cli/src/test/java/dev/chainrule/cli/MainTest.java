package dev.chainrule.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.chainrule.coordinator.RecordedLog;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

class MainTest {

    @Test
    void helpListsTheSubcommands() {
        GradCommandTest.Run run = GradCommandTest.run("--help");
        assertEquals(0, run.exitCode());
        assertTrue(run.out().contains("Usage: chainrule"), run.out());
        for (String command : new String[] {"grad", "train", "eval"}) {
            assertTrue(run.out().matches("(?s).*\\n  " + command + " +\\S.*"), command + " missing from: " + run.out());
        }
        assertTrue(run.out().contains("Print the partial derivatives of a scalar expression at a point."), run.out());
    }

    @Test
    void versionPrintsOneLine() {
        GradCommandTest.Run run = GradCommandTest.run("--version");
        assertEquals(0, run.exitCode());
        assertTrue(run.out().startsWith("chainrule "), run.out());
    }

    @Test
    void noSubcommandIsAnInputError() {
        GradCommandTest.Run run = GradCommandTest.run();
        assertEquals(2, run.exitCode());
        assertTrue(run.err().startsWith("error: missing command: choose one of grad"), run.err());
    }

    @Test
    void unknownOptionIsAnInputError() {
        GradCommandTest.Run run = GradCommandTest.run("grad", "x", "--at", "x=1", "--jsno");
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("--jsno"), run.err());
        assertTrue(run.err().contains("Try 'chainrule grad --help' for more information."), run.err());
    }

    /** A stand-in for a future subcommand that fails unexpectedly. */
    @Command(name = "boom", mixinStandardHelpOptions = true)
    static final class Boom implements Callable<Integer> {
        @Override
        public Integer call() {
            throw new IllegalStateException("something broke\nsecond line");
        }
    }

    @Test
    void unexpectedErrorsAreOneLineWithExit1AndAStackTraceOnlyWithVerbose() {
        StringWriter err = new StringWriter();
        CommandLine commandLine = Main.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(err));
        commandLine.addSubcommand(new Boom());
        commandLine.setErr(new PrintWriter(err));
        assertEquals(1, commandLine.execute("boom"));
        assertEquals("error: IllegalStateException: something broke (run again with --verbose for the stack trace)",
                err.toString().strip());
        assertFalse(err.toString().contains("\tat "));

        StringWriter verboseErr = new StringWriter();
        commandLine.setErr(new PrintWriter(verboseErr));
        assertEquals(1, commandLine.execute("boom", "--verbose"));
        assertTrue(verboseErr.toString().contains("\tat "), verboseErr.toString());
    }

    /** A stand-in for a command during which grpc-java's Netty transport logs a failed connection, as it does for garbage bytes. */
    @Command(name = "garbage", mixinStandardHelpOptions = true)
    static final class Garbage implements Callable<Integer> {
        private static final Logger CONNECTIONS = Logger.getLogger("io.grpc.netty.shaded.io.grpc.netty.NettyServerTransport.connections");

        @Override
        public Integer call() {
            CONNECTIONS.log(Level.INFO, "Transport failed", new IllegalStateException("HTTP/2 client preface string missing"));
            return 0;
        }
    }

    @Test
    void transportRecordsAreOneLineWithoutVerboseAndLoggedAsTheyAreWithIt() {
        try (RecordedLog atRoot = RecordedLog.atRoot()) {
            StringWriter err = new StringWriter();
            CommandLine commandLine = Main.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(err));
            commandLine.addSubcommand(new Garbage());
            assertEquals(0, commandLine.execute("garbage"));
            assertEquals("grpc: NettyServerTransport.connections: Transport failed: IllegalStateException: HTTP/2 client preface string"
                    + " missing", err.toString().strip());
            assertEquals(List.of(), atRoot.records());

            assertEquals(0, commandLine.execute("garbage", "--verbose"));
            assertEquals(1, atRoot.records().size());
            assertTrue(atRoot.records().get(0).getThrown() instanceof IllegalStateException);
        }
    }
}
