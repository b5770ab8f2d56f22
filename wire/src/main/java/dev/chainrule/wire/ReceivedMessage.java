package dev.chainrule.wire;

import dev.chainrule.proto.v1.WorkerMessage;

/**
 * One request as the coordinator's marshaller ({@link SessionMethod#serverDescriptor}) read it: a
 * WorkerMessage, or why its bytes are not one the coordinator takes. The marshaller never throws, so
 * that the coordinator's session answers a bad message with a status of its own and drops the worker,
 * as for any other malformed message.
 *
 * <p>A parsed message's {@code bytes} fields may view the transport's receive buffers instead of a
 * copy: whoever takes a ReceivedMessage must {@link #release} it once it no longer reads them (on
 * every path, a rejected message too), and must not keep those fields, nor read them after. Release
 * is idempotent; the other kinds hold no buffer.
 */
public sealed interface ReceivedMessage {
    /** The message's size in bytes. */
    int size();

    /** Gives back the transport buffers the message views, if any; its {@code bytes} fields must not be read after. */
    default void release() {
    }

    /** Bytes that parsed as {@code message}, whose {@code bytes} fields may view {@code buffers} until they are released. */
    record Parsed(WorkerMessage message, int size, Buffers buffers) implements ReceivedMessage {
        /** A message that views no transport buffer (its own array, or none). */
        public Parsed(WorkerMessage message, int size) {
            this(message, size, Buffers.NONE);
        }

        @Override
        public void release() {
            buffers.release();
        }
    }

    /**
     * A message over the limit, left unparsed; {@code kind} is the name of its first field ("join",
     * "gradient", …), or "WorkerMessage" when that field is not one of WorkerMessage's.
     */
    record TooLarge(String kind, int size) implements ReceivedMessage {
    }

    /** Bytes that do not parse as a WorkerMessage; {@code problem} is the parser's reason. */
    record Unparseable(String problem, int size) implements ReceivedMessage {
    }

    /** The transport buffers a parsed message views, given back once by {@link #release}. */
    interface Buffers {
        /** No buffer: a message parsed from an array of its own. */
        Buffers NONE = () -> {
        };

        /** Gives the buffers back to the transport; a second call does nothing. */
        void release();
    }
}
