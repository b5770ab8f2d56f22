package dev.chainrule.cli;

import dev.chainrule.coordinator.CoordinatorServer;
import dev.chainrule.coordinator.security.ServerSecurity;
import dev.chainrule.partition.PartitionService;
import dev.chainrule.worker.PartitionAccess;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The gRPC server of a worker that offers to host a partition ({@code worker --partition-listen}):
 * listens before the worker joins, so that its address can go into the Join, and serves the
 * {@link PartitionService} the worker installs its partition in. With no address it serves nothing.
 */
final class PartitionServer implements AutoCloseable {
    private final Server server;
    private final PartitionService service;
    private final String advertised;

    private PartitionServer(Server server, PartitionService service, String advertised) {
        this.server = server;
        this.service = service;
        this.advertised = advertised;
    }

    /**
     * A server on {@code listen} ("host:port", port 0 picks one) with {@code security} (plaintext, the
     * token checked when it has one), advertised as {@code advertise} (null: the listen host with the
     * bound port), or none when {@code listen} is null.
     *
     * @throws InputException for an address that does not parse, or an advertise without a listen
     */
    static PartitionServer start(String listen, String advertise, ServerSecurity security) throws InputException, IOException {
        if (listen == null) {
            if (advertise != null) {
                throw new InputException("--partition-advertise " + advertise + " needs --partition-listen (where to serve the partition)");
            }
            return new PartitionServer(null, null, "");
        }
        int colon = listen.lastIndexOf(':');
        int port;
        try {
            port = colon < 1 ? -1 : Integer.parseInt(listen.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65535) {
            throw new InputException("--partition-listen " + listen + " (expected: HOST:PORT, e.g. 0.0.0.0:7071 or 127.0.0.1:0)");
        }
        String host = listen.substring(0, colon);
        if (advertise == null && (host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]"))) {
            throw new InputException("--partition-listen " + listen + " listens on every address: give --partition-advertise HOST:PORT,"
                    + " the address the other workers dial");
        }
        PartitionService service = new PartitionService();
        Server server = CoordinatorServer.tcp(host, port, security).addService(service).build().start();
        return new PartitionServer(server, service, advertise != null ? advertise : host + ":" + server.getPort());
    }

    /** The worker's access to a partitioned run: {@code channels} to the partitions, and this server's offer, if any. */
    PartitionAccess access(Function<String, ManagedChannel> channels) {
        return service == null ? PartitionAccess.reachOnly(channels) : new PartitionAccess(channels, advertised, service);
    }

    @Override
    public void close() throws InterruptedException {
        if (server != null) {
            server.shutdown();
            if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
                server.shutdownNow();
            }
        }
    }
}
