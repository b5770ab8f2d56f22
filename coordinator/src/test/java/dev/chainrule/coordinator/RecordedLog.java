package dev.chainrule.coordinator;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** A java.util.logging handler that keeps every record published to it, for tests of what reaches a log. */
public final class RecordedLog extends Handler implements AutoCloseable {
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private Logger logger;

    /** A handler added to the root logger, whose handlers print what the console shows; {@link #close} removes it. */
    public static RecordedLog atRoot() {
        RecordedLog log = new RecordedLog();
        log.logger = Logger.getLogger("");
        log.logger.addHandler(log);
        return log;
    }

    /** The records published so far. */
    public List<LogRecord> records() {
        return List.copyOf(records);
    }

    @Override
    public void publish(LogRecord record) {
        records.add(record);
    }

    @Override
    public void flush() {
    }

    /** Removes this handler from its logger. */
    @Override
    public void close() {
        if (logger != null) {
            logger.removeHandler(this);
        }
    }
}
