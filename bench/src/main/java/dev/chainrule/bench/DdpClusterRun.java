package dev.chainrule.bench;

import dev.chainrule.nn.ModelSpec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One PyTorch DDP run on the emulated cluster: rank r of {@code compare_ddp.py} on node r + 1 (node 0 is
 * the Chainrule coordinator's, left idle), gloo over the bridge ({@code GLOO_SOCKET_IFNAME}), batch
 * 256 / N per rank, SGD, one synced window of steps - warm-up steps after the warm-up. Each rank reads
 * its own interface's counters around the window; rank 0 prints them with its figures.
 */
final class DdpClusterRun {
    /** The port of the process group's store on rank 0's node. */
    private static final int PORT = 29500;
    private static final int FIRST_NODE = 1;

    private DdpClusterRun() {
    }

    /** Runs {@code ranks} ranks training {@code model}; returns their figures. */
    static ClusterFigures run(ClusterRunSettings s, int ranks, ModelSpec model) throws IOException, InterruptedException {
        EmulatedNetwork net = s.network();
        long deadline = System.nanoTime() + s.runTimeout().toNanos();
        try (NodeProcesses processes = new NodeProcesses(s.logDir())) {
            for (int rank = 0; rank < ranks; rank++) {
                List<String> command = List.of(s.python(), s.script(), "--world", Integer.toString(ranks), "--batch",
                        Integer.toString(ClusterRunSettings.GLOBAL_BATCH / ranks), "--optimizer", "sgd", "--model", model.toString(),
                        "--steps", Integer.toString(s.steps() - s.warmup()), "--windows", "1", "--warmup", Integer.toString(s.warmup()),
                        "--synced-only", "--counters", EmulatedNetwork.INTERFACE, "--rank", Integer.toString(rank), "--port",
                        Integer.toString(PORT), "--master", net.address(FIRST_NODE));
                processes.start("rank-" + rank, net.inNode(FIRST_NODE + rank, command),
                        Map.of("GLOO_SOCKET_IFNAME", EmulatedNetwork.INTERFACE));
            }
            processes.awaitAll(deadline);
            String result = processes.log("rank-0").lines().filter(l -> l.startsWith("result ")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("rank 0 printed no result line; " + processes.tail("rank-0")));
            return figures(result, ranks);
        }
    }

    /** The figures of rank 0's {@code result ...} line with {@code rx_bytes_per_step=} and {@code tx_bytes_per_step=} per rank. */
    static ClusterFigures figures(String result, int ranks) {
        DdpFigures ddp = DdpFigures.parse(result);
        Map<String, String> fields = DdpFigures.fields(result);
        String[] rx = DdpFigures.field(fields, "rx_bytes_per_step").split(",");
        String[] tx = DdpFigures.field(fields, "tx_bytes_per_step").split(",");
        if (rx.length != ranks || tx.length != ranks) {
            throw new IllegalArgumentException("PyTorch DDP's result line has bytes of " + rx.length + " and " + tx.length
                    + " ranks (expected: " + ranks + "): " + result);
        }
        List<NodeTraffic> nodes = new ArrayList<>();
        for (int rank = 0; rank < ranks; rank++) {
            nodes.add(new NodeTraffic("rank-" + rank, true, Double.parseDouble(rx[rank]), Double.parseDouble(tx[rank])));
        }
        return new ClusterFigures(ddp.samplesPerSecond(), ddp.stepMillis(), nodes);
    }
}
