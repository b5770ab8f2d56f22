package dev.chainrule.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The emulated cluster's network as {@code bench/emulated-cluster} lays it out before this JVM starts
 * (and removes after it ends): network namespaces {@code PREFIX-n0 ... PREFIX-n(K-1)}, one per node,
 * each with one interface {@link #INTERFACE} at {@code 198.18.0.(i+1)}, whose veth peer {@code n<i>}
 * is a port of the bridge in namespace {@code PREFIX-br}; this JVM runs in {@code PREFIX-bench}, also
 * on the bridge, at {@code 198.18.0.254}. This class shapes the node links, runs commands in a
 * node's namespace and reads its interface's byte counters.
 */
final class EmulatedNetwork {
    /** The node interface's name inside each node namespace (and the bench's). */
    static final String INTERFACE = "ec0";
    /** Bounds every {@code ip} and {@code tc} call. */
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(10);

    private final String prefix;
    private final int nodes;

    /** The network of {@code nodes} node namespaces named after {@code prefix}. */
    EmulatedNetwork(String prefix, int nodes) {
        OptionValues.require(prefix.matches("[a-z][a-z0-9-]*"), "--network '" + prefix + "' (expected: a namespace prefix, e.g. crec-1234)");
        OptionValues.require(nodes >= 1 && nodes <= 253, "--nodes " + nodes + " (expected: 1 to 253)");
        this.prefix = prefix;
        this.nodes = nodes;
    }

    /** How many node namespaces there are. */
    int nodes() {
        return nodes;
    }

    /** Node {@code node}'s address on the bridge, in the benchmarking range 198.18.0.0/15. */
    String address(int node) {
        return "198.18.0." + (checked(node) + 1);
    }

    /** {@code command} run in node {@code node}'s namespace (with its network and a sysfs of it). */
    List<String> inNode(int node, List<String> command) {
        List<String> inNamespace = new ArrayList<>(List.of("ip", "netns", "exec", namespace(checked(node))));
        inNamespace.addAll(command);
        return inNamespace;
    }

    /**
     * Shapes every node's link to {@code rate} (tc syntax, e.g. {@code 1gbit}) in both directions: a token
     * bucket on the node's end of its veth (what it sends) and on the bridge's end (what it receives).
     */
    void shape(String rate) throws IOException, InterruptedException {
        for (int node = 0; node < nodes; node++) {
            tokenBucket(namespace(node), INTERFACE, rate);
            tokenBucket(prefix + "-br", "n" + node, rate);
        }
    }

    /** Node {@code node}'s interface counters. */
    NodeBytes counters(int node) throws IOException, InterruptedException {
        return countersIn(namespace(checked(node)));
    }

    /** The counters of this JVM's own interface on the bridge (its scrapes of the coordinator's metrics). */
    NodeBytes benchCounters() throws IOException, InterruptedException {
        return countersIn(prefix + "-bench");
    }

    private NodeBytes countersIn(String namespace) throws IOException, InterruptedException {
        String statistics = "/sys/class/net/" + INTERFACE + "/statistics/";
        return NodeBytes.parse(run(List.of("ip", "netns", "exec", namespace, "cat", statistics + "rx_bytes", statistics + "tx_bytes")));
    }

    private static void tokenBucket(String namespace, String device, String rate) throws IOException, InterruptedException {
        run(List.of("tc", "-n", namespace, "qdisc", "replace", "dev", device, "root", "tbf", "rate", rate, "burst", "256kb", "latency",
                "20ms"));
    }

    private String namespace(int node) {
        return prefix + "-n" + node;
    }

    private int checked(int node) {
        if (node < 0 || node >= nodes) {
            throw new IllegalArgumentException("node " + node + " (expected: 0 to " + (nodes - 1) + "; the script made " + nodes + ")");
        }
        return node;
    }

    /** Runs {@code command} to its end (at most {@link #COMMAND_TIMEOUT}) and returns its output; fails on a non-zero status. */
    private static String run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        // a few lines at most: they fit in the pipe, so the command ends before they are read
        if (!process.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("'" + String.join(" ", command) + "' did not finish within " + COMMAND_TIMEOUT.toSeconds() + " s");
        }
        String text = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            throw new IllegalStateException("'" + String.join(" ", command) + "' exited with status " + process.exitValue() + ": " + text.strip());
        }
        return text;
    }
}
