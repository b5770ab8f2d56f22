package dev.chainrule.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code chainrule train} process (with {@code --workers N} it starts its worker processes itself),
 * run to the end while its Prometheus endpoint ({@code --metrics-port}) is read every
 * {@link #SCRAPE_INTERVAL}. The steady-state step time is the growth of the coordinator's step timer
 * ({@code chainrule_step_seconds_sum}) divided by the growth of its count, from the first reading with at
 * least {@code warmupSteps} steps to the last reading before the process ended: the first steps (JIT
 * compilation, and in step 0 the wait for the worker processes to start and join) are left out, and
 * the figure does not depend on when the readings happened.
 */
final class ChainruleTrainRun {
    /** How often the metrics endpoint is read while the run goes on. */
    static final Duration SCRAPE_INTERVAL = Duration.ofMillis(40);
    private static final Pattern SAMPLES_PER_SECOND = Pattern.compile("\"samples_per_second\"\\s*:\\s*([0-9.eE+-]+)");

    /** One reading of the coordinator's step timer. */
    record Reading(double steps, double stepSeconds) {
    }

    /**
     * What one run measured.
     *
     * @param steadyStepSeconds  seconds per step after the warm-up steps
     * @param stepsTimed         steps between the two readings
     * @param runSamplesPerSecond the trainer's own figure ({@code --metrics-out}): every step, the first included
     * @param workers            the workers' final lines (none for a single process)
     */
    record Result(double steadyStepSeconds, long stepsTimed, double runSamplesPerSecond, List<WorkerLine> workers) {
        /** Mean of the workers' compute milliseconds per step, NaN without workers. */
        double workerComputeMillis() {
            return workers.stream().mapToDouble(WorkerLine::computeMillisPerStep).average().orElse(Double.NaN);
        }

        /** Mean of the workers' communication milliseconds per step over their whole sessions, NaN without workers. */
        double workerCommunicationMillis() {
            return workers.stream().mapToDouble(WorkerLine::communicationMillisPerStep).average().orElse(Double.NaN);
        }
    }

    private ChainruleTrainRun() {
    }

    /** Seconds per step between two readings of the step timer. */
    static double steadyStepSeconds(Reading first, Reading last) {
        double steps = last.steps() - first.steps();
        if (steps < 1) {
            throw new IllegalArgumentException("readings at " + first.steps() + " and " + last.steps()
                    + " steps (expected: at least one step between them)");
        }
        return (last.stepSeconds() - first.stepSeconds()) / steps;
    }

    /**
     * Runs {@code java [javaOptions] -jar jar train [arguments] --metrics-out F --metrics-port P}, with
     * its output in {@code logDir}, and returns its figures; {@code workers} is how many final worker
     * lines to expect.
     */
    static Result run(String java, List<String> javaOptions, Path jar, List<String> arguments, int workers, long warmupSteps,
            Path logDir, Duration timeout) throws IOException, InterruptedException {
        Path metricsOut = Files.createTempFile(logDir, "metrics-", ".json");
        Path log = Files.createTempFile(logDir, "train-", ".log");
        int port = freePort();
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(javaOptions);
        command.addAll(List.of("-jar", jar.toString(), "train"));
        command.addAll(arguments);
        command.addAll(List.of("--metrics-out", metricsOut.toString(), "--metrics-port", Integer.toString(port)));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Reading first = null;
        Reading last = null;
        long deadline = System.nanoTime() + timeout.toNanos();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(2)).build();
        try {
            while (!process.waitFor(SCRAPE_INTERVAL.toMillis(), TimeUnit.MILLISECONDS)) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("'" + String.join(" ", command) + "' did not finish within " + timeout.toSeconds()
                            + " s; its output is in " + log);
                }
                Reading reading = read(http, request);
                if (reading != null) {
                    last = reading;
                    if (first == null && reading.steps() >= warmupSteps) {
                        first = reading;
                    }
                }
            }
        } finally {
            if (process.isAlive()) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            throw new IllegalStateException("'" + String.join(" ", command) + "' exited with status " + process.exitValue() + ":\n"
                    + output);
        }
        if (first == null || last == null || last.steps() - first.steps() < 1) {
            throw new IllegalStateException("'" + String.join(" ", command) + "': too few steps were timed after the " + warmupSteps
                    + " warm-up steps (readings: first " + first + ", last " + last + "); raise --steps");
        }
        Matcher sps = SAMPLES_PER_SECOND.matcher(Files.readString(metricsOut, StandardCharsets.UTF_8));
        double runSamplesPerSecond = sps.find() ? Double.parseDouble(sps.group(1)) : Double.NaN;
        List<WorkerLine> lines = WorkerLine.parseAll(output);
        if (lines.size() != workers) {
            throw new IllegalStateException("'" + String.join(" ", command) + "' printed " + lines.size() + " worker final lines"
                    + " (expected: " + workers + "):\n" + output);
        }
        return new Result(steadyStepSeconds(first, last), Math.round(last.steps() - first.steps()), runSamplesPerSecond, lines);
    }

    /** The step timer's reading, or null when the endpoint does not answer (yet) or has no step timer. */
    static Reading read(HttpClient http, HttpRequest request) throws InterruptedException {
        String text;
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return null;
            }
            text = response.body();
        } catch (IOException e) {
            return null; // not listening yet, or already gone
        }
        OptionalDouble count = PrometheusText.value(text, "chainrule_step_seconds_count");
        OptionalDouble sum = PrometheusText.value(text, "chainrule_step_seconds_sum");
        return count.isPresent() && sum.isPresent() ? new Reading(count.getAsDouble(), sum.getAsDouble()) : null;
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port: " + e.getMessage(), e);
        }
    }
}
