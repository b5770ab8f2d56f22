package dev.chainrule.wire;

/**
 * Transport settings both ends of a session use, so that a step's tensors cross the connection
 * without waiting on HTTP/2 flow control.
 */
public final class Transport {
    /**
     * The HTTP/2 flow-control window of the coordinator's server and the workers' channels, per
     * stream and per connection: 4 MiB, room for gRPC's largest message (so that no message waits
     * for a window update half-way) and for the whole gradient or weights of a model of up to 4 MB
     * in flight at once. gRPC's default of 1 MiB is less than the 0.94 MB a 784-256-128-10 model
     * sends each way per step plus the next step's first bytes. It is also the most a worker can
     * have in flight that the coordinator has not read yet.
     */
    public static final int FLOW_CONTROL_WINDOW_BYTES = 4 * 1024 * 1024;

    private Transport() {
    }
}
