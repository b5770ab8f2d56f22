package dev.chainrule.cli;

import dev.chainrule.metrics.MeterRegistries;
import dev.chainrule.metrics.MetricsServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import picocli.CommandLine.Option;

/** The Prometheus endpoint's options, shared by {@code coordinator}, {@code worker} and {@code train}. */
final class MetricsOptions {

    @Option(names = "--metrics-port", paramLabel = "PORT", defaultValue = "0",
            description = "Serve Prometheus metrics (the run's and the JVM's) at http://ADDRESS:PORT/metrics; 0 serves none"
                    + " (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--metrics-bind", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
            description = "Address the metrics endpoint listens on (default: ${DEFAULT-VALUE}, this machine only; 0.0.0.0 for"
                    + " a Prometheus on another host).")
    String bind;

    @Option(names = "--run", paramLabel = "NAME", defaultValue = "chainrule",
            description = "The run's name: the 'run' tag on every metric (default: ${DEFAULT-VALUE}).")
    String run;

    /** The meters' registry and, with a port, the endpoint serving it; close it when done. */
    record Endpoint(MeterRegistry registry, MetricsServer server) implements AutoCloseable {
        @Override
        public void close() {
            if (server != null) {
                server.close();
            }
        }
    }

    /**
     * With {@code --metrics-port} 0, a registry that keeps nothing; otherwise a Prometheus registry
     * tagged with the run (and {@code extraTags}, key/value pairs) served on --metrics-bind:--metrics-port,
     * announced on {@code out}.
     */
    Endpoint start(PrintWriter out, String... extraTags) throws InputException {
        if (port < 0 || port > 65535) {
            throw new InputException("--metrics-port " + port + " (expected: 0 for none, or 1 to 65535)");
        }
        if (run.isBlank()) {
            throw new InputException("--run '" + run + "' (expected: a name that is not blank)");
        }
        if (port == 0) {
            return new Endpoint(MeterRegistries.none(), null);
        }
        PrometheusMeterRegistry registry = MeterRegistries.prometheus(run, extraTags);
        MetricsServer server;
        try {
            server = MetricsServer.start(bind, port, registry);
        } catch (IOException e) {
            throw new InputException("--metrics-bind " + bind + " --metrics-port " + port + ": cannot listen (" + e.getMessage() + ")");
        }
        out.printf("metrics at http://%s:%d%s%n", bind, server.port(), MetricsServer.PATH);
        out.flush();
        return new Endpoint(registry, server);
    }
}
