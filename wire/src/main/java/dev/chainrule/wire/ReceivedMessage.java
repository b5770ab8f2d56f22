package dev.chainrule.wire;

import dev.chainrule.proto.v1.WorkerMessage;

/**
 * One request as the coordinator's marshaller ({@link SessionMethod#serverDescriptor}) read it: a
 * WorkerMessage, or why its bytes are not one the coordinator takes. The marshaller never throws, so
 * that the coordinator's session answers a bad message with a status of its own and drops the worker,
 * as for any other malformed message.
 */
public sealed interface ReceivedMessage {
    /** The message's size in bytes. */
    int size();

    /** Bytes that parsed as {@code message}. */
    record Parsed(WorkerMessage message, int size) implements ReceivedMessage {
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
}
