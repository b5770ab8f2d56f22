package dev.chainrule.wire;

import io.grpc.Status;

/**
 * How a failed call or connection reads in an error line: a gRPC status's code, the first line of its
 * description and the message of its innermost cause, which is where a refused connection or a
 * failed TLS handshake says what went wrong.
 */
public final class StatusDescriptions {
    private StatusDescriptions() {
    }

    /** {@code status} as "CODE: first line of the description (innermost cause's message)", leaving out the parts it lacks. */
    public static String describe(Status status) {
        Throwable root = status.getCause() == null ? null : rootCause(status.getCause());
        return status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription().lines().findFirst().orElse(""))
                + (root == null || root.getMessage() == null ? "" : " (" + root.getMessage() + ")");
    }

    /** The innermost cause of {@code thrown}: itself when it has none. */
    public static Throwable rootCause(Throwable thrown) {
        Throwable root = thrown;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root;
    }
}
