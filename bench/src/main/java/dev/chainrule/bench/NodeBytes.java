package dev.chainrule.bench;

/**
 * A node interface's byte counters, as {@code /sys/class/net/IF/statistics/{rx,tx}_bytes} show them
 * inside the node's network namespace (Ethernet frames: headers included).
 *
 * @param rx bytes received
 * @param tx bytes sent
 */
record NodeBytes(long rx, long tx) {
    /** The counters' growth since {@code earlier}. */
    NodeBytes minus(NodeBytes earlier) {
        return new NodeBytes(rx - earlier.rx, tx - earlier.tx);
    }

    /** Parses the two counters, rx then tx, one a line, as {@code cat rx_bytes tx_bytes} prints them. */
    static NodeBytes parse(String text) {
        String[] lines = text.strip().split("\\s+");
        if (lines.length != 2) {
            throw new IllegalArgumentException("byte counters '" + text.strip() + "' (expected: rx_bytes and tx_bytes, one a line)");
        }
        return new NodeBytes(Long.parseLong(lines[0]), Long.parseLong(lines[1]));
    }
}
