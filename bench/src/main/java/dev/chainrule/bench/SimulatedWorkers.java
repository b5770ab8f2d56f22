package dev.chainrule.bench;

import dev.chainrule.proto.v1.Join;
import dev.chainrule.proto.v1.TensorChunk;
import dev.chainrule.wire.SessionMethod;
import dev.chainrule.worker.ChannelSecurity;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The process of {@link CoordinatorScalingBenchmark}'s simulated workers, so that the benchmark's
 * JVM runs the coordinator alone and its CPU time is the coordinator's: {@link #start} launches a
 * child JVM on this JVM's class path, whose {@link #main} connects N {@link SimulatedWorker}s (one
 * channel, one TCP connection each) to a coordinator's port and exits 0 once every one was told to
 * stop, 1 when one failed or did not finish within the timeout.
 *
 * <p>Lifecycle: {@link #start}, train, then {@link #finish}, which waits a bounded time for the
 * process and kills it when it does not end; {@link #kill} after a failed run.
 */
final class SimulatedWorkers {
    private final Process process;

    private SimulatedWorkers(Process process) {
        this.process = process;
    }

    /**
     * Launches {@code workers} simulated workers against 127.0.0.1:{@code port}, each joining as
     * {@code join} says (its name suffixed with the worker's number) and answering every shard of
     * {@code samplesPerShard} samples with {@code gradient} and {@code lossSum}; they give up after
     * {@code timeoutSeconds}.
     */
    static SimulatedWorkers start(int port, int workers, Join join, List<TensorChunk> gradient, double lossSum, int samplesPerShard,
            int timeoutSeconds) throws IOException {
        Path chunks = Files.createTempFile("coordinator-scaling-gradient", ".pb");
        try (OutputStream out = Files.newOutputStream(chunks)) {
            join.writeDelimitedTo(out);
            for (TensorChunk chunk : gradient) {
                chunk.writeDelimitedTo(out);
            }
        }
        String java = ChildJvm.launcher();
        Process process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), SimulatedWorkers.class.getName(),
                Integer.toString(port), Integer.toString(workers), Integer.toString(samplesPerShard), Double.toHexString(lossSum),
                Integer.toString(timeoutSeconds), chunks.toString())
                .inheritIO().start();
        process.onExit().thenRun(() -> chunks.toFile().delete());
        return new SimulatedWorkers(process);
    }

    /**
     * Waits up to {@code seconds} for the workers' process to end.
     *
     * @throws IllegalStateException when it fails or does not end in time (it is then killed)
     */
    void finish(int seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("the simulated workers' process did not end within " + seconds + " s (killed)");
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException("the simulated workers' process failed with exit code " + process.exitValue()
                    + " (its reason is on stderr)");
        }
    }

    /** Kills the process if it still runs (after a failed run). */
    void kill() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }

    /** The child's side: PORT WORKERS SAMPLES_PER_SHARD LOSS_SUM TIMEOUT_SECONDS FILE, FILE holding the Join and the chunks. */
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int workers = Integer.parseInt(args[1]);
        int samplesPerShard = Integer.parseInt(args[2]);
        double lossSum = Double.parseDouble(args[3]);
        int timeoutSeconds = Integer.parseInt(args[4]);
        Join join;
        List<TensorChunk> gradient = new ArrayList<>();
        try (InputStream in = Files.newInputStream(Path.of(args[5]))) {
            join = Join.parseDelimitedFrom(in);
            for (TensorChunk chunk; (chunk = TensorChunk.parseDelimitedFrom(in)) != null; ) {
                gradient.add(chunk);
            }
        }
        ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "simulated-heartbeats");
            t.setDaemon(true);
            return t;
        });
        List<ManagedChannel> channels = new ArrayList<>();
        List<SimulatedWorker> running = new ArrayList<>();
        int status = 0;
        try {
            for (int i = 0; i < workers; i++) {
                ManagedChannel channel = ChannelSecurity.plaintext().newChannel("127.0.0.1:" + port);
                channels.add(channel);
                Join named = join.toBuilder().setWorkerName(join.getWorkerName() + "-" + i)
                        .setProtocolVersion(SessionMethod.PROTOCOL_VERSION).build();
                running.add(new SimulatedWorker(channel, named, gradient, lossSum, samplesPerShard, heartbeats).start());
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
            for (SimulatedWorker worker : running) {
                if (!worker.finished().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    System.err.println("simulated workers: a worker was stopped before training finished");
                    status = 1;
                }
            }
        } catch (Exception e) {
            System.err.println("simulated workers: " + e);
            status = 1;
        } finally {
            channels.forEach(ManagedChannel::shutdownNow);
            heartbeats.shutdownNow();
        }
        System.exit(status);
    }
}
