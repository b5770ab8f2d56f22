package dev.chainrule.wire;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * One short line, at most once per interval, in place of the stack traces that grpc-java's Netty
 * transport and Netty log for what a remote peer did: a connection that does not speak HTTP/2
 * (plaintext HTTP/1.1, garbage bytes, a broken preface or frame: {@code NettyServerTransport.connections},
 * "Transport failed") or a message over the transport's size limit ({@code NettyServerStream},
 * "Exception processing message"). Installed on those loggers' parents ({@link #LOGGERS}), it takes
 * their records away from the root logger's handlers and prints each as "grpc: LOGGER: MESSAGE:
 * EXCEPTION: ITS MESSAGE" on one line, without the trace; a record within the interval of the last
 * line printed is left out, and the next line printed says how many were. The command line installs
 * it unless {@code --verbose} is given.
 *
 * <p>Thread-safe: Netty's threads publish to it at once.
 */
public final class TransportLogLines extends Handler {
    /** The loggers taken over: grpc-java's Netty transport and the Netty it shades (their children log through them). */
    public static final List<String> LOGGERS = List.of("io.grpc.netty.shaded.io.grpc.netty", "io.grpc.netty.shaded.io.netty");
    /** The longest line printed, in characters; the rest of a longer one is cut. */
    static final int MAX_LINE = 300;

    private final Consumer<String> out;
    private final long intervalNanos;
    private final LongSupplier nanoTime;
    private final SimpleFormatter formatter = new SimpleFormatter();
    /** The loggers this handler is installed on, held because java.util.logging keeps loggers only weakly. */
    private final List<Logger> installedOn = new ArrayList<>();
    private boolean printedAny;
    private long lastPrinted;
    private int leftOut;

    /** Lines to {@code out}, at most one per {@code interval} by {@code nanoTime} (e.g. {@link System#nanoTime}). */
    public TransportLogLines(Consumer<String> out, Duration interval, LongSupplier nanoTime) {
        this.out = Objects.requireNonNull(out, "out");
        this.intervalNanos = interval.toNanos();
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    }

    /** Takes over {@link #LOGGERS}: their records come here instead of to the root logger's handlers. Returns this handler. */
    public synchronized TransportLogLines install() {
        for (String name : LOGGERS) {
            Logger logger = Logger.getLogger(name);
            logger.setUseParentHandlers(false);
            logger.addHandler(this);
            installedOn.add(logger);
        }
        return this;
    }

    /** Gives {@link #LOGGERS} back to the root logger's handlers. */
    public synchronized void uninstall() {
        for (Logger logger : installedOn) {
            logger.removeHandler(this);
            logger.setUseParentHandlers(true);
        }
        installedOn.clear();
    }

    @Override
    public synchronized void publish(LogRecord record) {
        if (record == null || !isLoggable(record)) {
            return;
        }
        long now = nanoTime.getAsLong();
        if (printedAny && now - lastPrinted < intervalNanos) {
            leftOut++;
            return;
        }
        String line = line(record);
        if (leftOut > 0) {
            line += " (" + leftOut + " more left out since the last line)";
        }
        printedAny = true;
        lastPrinted = now;
        leftOut = 0;
        out.accept(line);
    }

    /** "grpc: NettyServerTransport.connections: Transport failed: Http2Exception: HTTP/2 client preface string missing …". */
    private String line(LogRecord record) {
        StringBuilder line = new StringBuilder("grpc: ").append(shortName(record.getLoggerName())).append(": ")
                .append(formatter.formatMessage(record));
        Throwable thrown = record.getThrown();
        if (thrown != null) {
            line.append(": ").append(thrown.getClass().getSimpleName());
            if (thrown.getMessage() != null) {
                line.append(": ").append(thrown.getMessage());
            }
        }
        String oneLine = line.toString().replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
        return oneLine.length() <= MAX_LINE ? oneLine : oneLine.substring(0, MAX_LINE - 1) + "…";
    }

    /** A logger's name from its class on: "NettyServerTransport.connections" for "io.grpc.netty.….NettyServerTransport.connections". */
    private static String shortName(String logger) {
        if (logger == null) {
            return "";
        }
        String[] parts = logger.split("\\.");
        for (int i = 0; i < parts.length; i++) {
            if (!parts[i].isEmpty() && Character.isUpperCase(parts[i].charAt(0))) {
                return String.join(".", Arrays.asList(parts).subList(i, parts.length));
            }
        }
        return parts[parts.length - 1];
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }
}
