package dev.chainrule.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** Peer-caused transport records become one line each, at most one per interval, counting the ones left out. */
class TransportLogLinesTest {
    private static final String CONNECTIONS = "io.grpc.netty.shaded.io.grpc.netty.NettyServerTransport.connections";

    private final List<String> lines = new ArrayList<>();
    private final AtomicLong now = new AtomicLong();
    private final TransportLogLines handler = new TransportLogLines(lines::add, Duration.ofSeconds(10), now::get);

    @Test
    void aRecordWithATraceIsOneLineNamingTheLoggerTheMessageAndTheException() {
        handler.publish(record("Transport failed", new IllegalStateException("HTTP/2 client preface string missing or corrupt.\nmore")));
        assertEquals(List.of("grpc: NettyServerTransport.connections: Transport failed: IllegalStateException: HTTP/2 client preface"
                + " string missing or corrupt. more"), lines);
    }

    @Test
    void atMostOneLinePerIntervalAndTheNextSaysHowManyWereLeftOut() {
        handler.publish(record("first", null));
        now.set(Duration.ofSeconds(3).toNanos());
        handler.publish(record("second", null));
        now.set(Duration.ofSeconds(9).toNanos());
        handler.publish(record("third", null));
        assertEquals(1, lines.size(), lines.toString());
        now.set(Duration.ofSeconds(10).toNanos());
        handler.publish(record("fourth", null));
        assertEquals(List.of("grpc: NettyServerTransport.connections: first",
                "grpc: NettyServerTransport.connections: fourth (2 more left out since the last line)"), lines);
    }

    @Test
    void aLongLineIsCut() {
        handler.publish(record("x".repeat(1000), null));
        assertEquals(TransportLogLines.MAX_LINE, lines.get(0).length());
        assertTrue(lines.get(0).endsWith("…"));
    }

    @Test
    void installedItTakesTheTransportsRecordsAwayFromTheRootHandlers() {
        Logger connections = Logger.getLogger(CONNECTIONS);
        List<LogRecord> atRoot = new ArrayList<>();
        Handler root = new Handler() {
            @Override
            public void publish(LogRecord record) {
                atRoot.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger.getLogger("").addHandler(root);
        try {
            assertSame(handler, handler.install());
            connections.log(Level.INFO, "Transport failed", new IllegalStateException("preface"));
            assertEquals(1, lines.size());
            assertEquals(List.of(), atRoot);
            handler.uninstall();
            connections.log(Level.INFO, "Transport failed", new IllegalStateException("preface"));
            assertEquals(1, lines.size());
            assertEquals(1, atRoot.size());
            assertFalse(atRoot.get(0).getThrown() == null);
        } finally {
            handler.uninstall();
            Logger.getLogger("").removeHandler(root);
        }
    }

    private static LogRecord record(String message, Throwable thrown) {
        LogRecord record = new LogRecord(Level.INFO, message);
        record.setLoggerName(CONNECTIONS);
        record.setThrown(thrown);
        return record;
    }
}
