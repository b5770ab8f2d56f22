package dev.chainrule.metrics;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * The start of an HTTP/1.x request, as much as {@link MetricsServer} needs: the method and the path
 * of its request line, read with limits so that no client holds a thread for long: the head (request
 * line and headers) ends within {@link #MAX_BYTES} bytes and {@code deadline}, or reading fails.
 *
 * @param method the request method, e.g. {@code GET}
 * @param path the request target without its query, e.g. {@code /metrics}
 */
record HttpRequestHead(String method, String path) {
    /** A longer request head is refused. */
    static final int MAX_BYTES = 8192;

    /** Why a request head could not be read: the status to answer with (0 for none: just close). */
    static final class Refused extends IOException {
        private static final long serialVersionUID = 1L;
        private final int status;

        Refused(int status, String message) {
            super(message);
            this.status = status;
        }

        int status() {
            return status;
        }
    }

    /**
     * Reads the request head from {@code socket} until the empty line that ends it.
     *
     * @param deadlineNanos the {@link System#nanoTime} by which the head must have arrived
     * @throws Refused when it is malformed (status 400), too long (431), or did not arrive in time (0)
     */
    static HttpRequestHead read(Socket socket, long deadlineNanos) throws IOException {
        InputStream in = socket.getInputStream();
        byte[] head = new byte[MAX_BYTES];
        int length = 0;
        while (!ended(head, length)) {
            if (length == MAX_BYTES) {
                throw new Refused(431, "request head longer than " + MAX_BYTES + " bytes");
            }
            long left = (deadlineNanos - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                throw new Refused(0, "request head not complete in time");
            }
            socket.setSoTimeout((int) Math.min(left, Integer.MAX_VALUE));
            int n;
            try {
                n = in.read(head, length, MAX_BYTES - length);
            } catch (SocketTimeoutException e) {
                throw new Refused(0, "request head not complete in time");
            }
            if (n < 0) {
                throw new Refused(0, "connection closed before the end of the request head");
            }
            length += n;
        }
        String text = new String(head, 0, length, StandardCharsets.ISO_8859_1);
        int lineEnd = text.indexOf('\n');
        String[] requestLine = text.substring(0, lineEnd).strip().split(" ");
        if (requestLine.length != 3 || !requestLine[2].startsWith("HTTP/1.") || !requestLine[1].startsWith("/")) {
            throw new Refused(400, "malformed request line");
        }
        String target = requestLine[1];
        int query = target.indexOf('?');
        return new HttpRequestHead(requestLine[0], query < 0 ? target : target.substring(0, query));
    }

    /** Whether the first {@code length} bytes hold an empty line (a line feed after a line feed, with or without CR). */
    private static boolean ended(byte[] head, int length) {
        for (int i = 1; i < length; i++) {
            if (head[i] == '\n' && (head[i - 1] == '\n' || i >= 2 && head[i - 1] == '\r' && head[i - 2] == '\n')) {
                return true;
            }
        }
        return false;
    }
}
