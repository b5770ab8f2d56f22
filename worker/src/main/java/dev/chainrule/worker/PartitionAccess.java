package dev.chainrule.worker;

import dev.chainrule.partition.PartitionService;
import io.grpc.ManagedChannel;
import java.util.Objects;
import java.util.function.Function;

/**
 * How a worker takes part in a partitioned run: the channels it opens to the partitions' addresses,
 * and, when it offers to host a partition, the address it offers (sent in its Join) and the service
 * already serving there, into which it installs the partition the leader gives it.
 *
 * @param channels a new channel to an address ("host:port"), with the security of the worker's
 *     channel to the coordinator; the worker shuts the channels it opens down
 * @param address the address offered to other workers, or "" to host none
 * @param service the Partition service listening at {@code address}, or null to host none
 */
public record PartitionAccess(Function<String, ManagedChannel> channels, String address, PartitionService service) {
    /** Checks that an address comes with its service. */
    public PartitionAccess {
        Objects.requireNonNull(channels, "channels");
        Objects.requireNonNull(address, "address");
        if (address.isEmpty() != (service == null)) {
            throw new IllegalArgumentException("address '" + address + "' and service " + service
                    + " (expected: both, to host a partition, or neither)");
        }
    }

    /** Access that hosts no partition. */
    public static PartitionAccess reachOnly(Function<String, ManagedChannel> channels) {
        return new PartitionAccess(channels, "", null);
    }

    /** Whether the worker offers to host a partition. */
    public boolean hosts() {
        return service != null;
    }
}
