package dev.chainrule.metrics;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Serves a Prometheus registry's scrape at {@code GET /metrics} (Prometheus text format 0.0.4) over
 * HTTP/1.1, one request per connection; any other path answers 404, any other method 405.
 *
 * <p>Made so that slow or idle clients cannot blind monitoring: {@link #HANDLERS} threads answer
 * requests, and each connection's request head must arrive within {@link #REQUEST_TIMEOUT_MILLIS}
 * ({@link HttpRequestHead}), else it is closed; a connection that finds every handler busy and
 * {@link #QUEUED} connections waiting is closed at once.
 *
 * <p>Lifecycle: {@link #start}, then {@link #close} (try-with-resources), which stops accepting,
 * closes the connections in progress and stops the daemon threads. Thread-safe.
 */
public final class MetricsServer implements AutoCloseable {
    /** The path the scrape is served at. */
    public static final String PATH = "/metrics";
    /** The content type of Prometheus' text exposition format. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    /** Threads answering requests. */
    static final int HANDLERS = 4;
    /** Accepted connections that may wait for a handler. */
    static final int QUEUED = 16;
    /** How long a client has to send its request head. */
    static final int REQUEST_TIMEOUT_MILLIS = 5_000;

    private final ServerSocket socket;
    private final ThreadPoolExecutor handlers;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final PrometheusMeterRegistry registry;
    private volatile boolean closed;

    private MetricsServer(ServerSocket socket, PrometheusMeterRegistry registry) {
        this.socket = socket;
        this.registry = registry;
        AtomicInteger count = new AtomicInteger();
        this.handlers = new ThreadPoolExecutor(HANDLERS, HANDLERS, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUED),
                task -> daemon(task, "chainrule-metrics-http-" + count.incrementAndGet()));
    }

    /** Serves {@code registry} on {@code bind}:{@code port} (port 0 picks a free port, see {@link #port}). */
    public static MetricsServer start(String bind, int port, PrometheusMeterRegistry registry) throws IOException {
        Objects.requireNonNull(bind, "bind");
        Objects.requireNonNull(registry, "registry");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port : " + port + " (expected: 0 to 65535)");
        }
        ServerSocket socket = new ServerSocket();
        try {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(bind, port));
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
        MetricsServer server = new MetricsServer(socket, registry);
        daemon(server::accept, "chainrule-metrics-accept").start();
        return server;
    }

    /** The port the server listens on. */
    public int port() {
        return socket.getLocalPort();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
        handlers.shutdownNow();
        open.forEach(MetricsServer::closeQuietly);
    }

    private void accept() {
        while (!closed) {
            Socket connection;
            try {
                connection = socket.accept();
            } catch (IOException e) {
                continue; // closed (the loop ends), or one failed accept
            }
            open.add(connection);
            try {
                handlers.execute(() -> serve(connection));
            } catch (RejectedExecutionException e) {
                forget(connection);
            }
        }
    }

    private void serve(Socket connection) {
        try (connection) {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(REQUEST_TIMEOUT_MILLIS);
            HttpRequestHead request;
            try {
                request = HttpRequestHead.read(connection, deadline);
            } catch (HttpRequestHead.Refused e) {
                if (e.status() != 0) {
                    respond(connection, e.status(), "text/plain; charset=utf-8", e.getMessage() + "\n", false, null);
                }
                return;
            }
            boolean head = "HEAD".equals(request.method());
            if (!PATH.equals(request.path())) {
                respond(connection, 404, "text/plain; charset=utf-8", "not found: " + request.path() + " (expected: " + PATH + ")\n",
                        head, null);
            } else if (!"GET".equals(request.method()) && !head) {
                respond(connection, 405, "text/plain; charset=utf-8", "method " + request.method() + " (expected: GET)\n", false,
                        "Allow: GET, HEAD\r\n");
            } else {
                respond(connection, 200, CONTENT_TYPE, registry.scrape(), head, null);
            }
        } catch (IOException e) {
            // the client went away or stalled: nothing to answer
        } finally {
            open.remove(connection);
        }
    }

    private static void respond(Socket connection, int status, String contentType, String text, boolean head, String extraHeaders)
            throws IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        String headers = "HTTP/1.1 " + status + " " + reason(status) + "\r\nContent-Type: " + contentType + "\r\nContent-Length: "
                + body.length + "\r\n" + (extraHeaders == null ? "" : extraHeaders) + "Connection: close\r\n\r\n";
        OutputStream out = connection.getOutputStream();
        out.write(headers.getBytes(StandardCharsets.ISO_8859_1));
        if (!head) {
            out.write(body);
        }
        out.flush();
    }

    private static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 400 -> "Bad Request";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 431 -> "Request Header Fields Too Large";
            default -> "Error";
        };
    }

    private void forget(Socket connection) {
        open.remove(connection);
        closeQuietly(connection);
    }

    private static void closeQuietly(Socket connection) {
        try {
            connection.close();
        } catch (IOException e) {
            // already gone
        }
    }

    private static Thread daemon(Runnable task, String name) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        return thread;
    }
}
