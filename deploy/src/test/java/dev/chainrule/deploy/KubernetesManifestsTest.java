package dev.chainrule.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.chainrule.cli.Main;
import dev.chainrule.data.DataSplit;
import dev.chainrule.metrics.MetricsServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;

/**
 * Every manifest in deploy/k8s parsed (SnakeYAML) and checked against what the code really takes: the
 * container args against the picocli model of {@code chainrule} ({@link Main#commandLine}), with their
 * {@code $(VAR)}s expanded from the ConfigMap; the ports against the flags; the image against what
 * {@code deploy/build-image} tags and the Dockerfile exposes; the mounts against the paths in the flags.
 * The same checks hold for the workloads of the overlay deploy/k8s-partitions, its patches applied to
 * the base as kustomize merges them; and the overlay's args are the base's with the partition options.
 */
class KubernetesManifestsTest {
    private static final Path K8S = Repository.deploy().resolve("k8s");
    private static final Path PARTITIONS = Repository.deploy().resolve("k8s-partitions");
    private static final Pattern VARIABLE = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");
    /** Options whose path the process writes: they need a writable volume under a read-only root file system. */
    private static final Set<String> WRITTEN_PATHS = Set.of("--checkpoint-dir", "--save", "--metrics-out");

    private static final Map<String, List<Map<String, Object>>> BY_KIND = new LinkedHashMap<>();
    /** Where each workload document comes from: its file, and the overlay's patch for a patched one. */
    private static final Map<Map<String, Object>, String> SOURCE = new IdentityHashMap<>();
    /** The overlay's workloads: the base's with its patches applied. */
    private static final List<Workload> PARTITIONED = new ArrayList<>();

    @BeforeAll
    static void parseEveryManifest() throws IOException {
        try (Stream<Path> files = Files.list(K8S)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                List<Map<String, Object>> documents = Yamls.documents(file);
                assertFalse(documents.isEmpty(), file + " holds no document");
                for (Map<String, Object> document : documents) {
                    String kind = Yamls.stringAt(document, "kind");
                    BY_KIND.computeIfAbsent(kind, k -> new ArrayList<>()).add(document);
                    SOURCE.put(document, Repository.deploy().relativize(file).toString());
                }
            }
        }
        for (String kind : List.of("ConfigMap", "Secret", "Service", "StatefulSet", "Deployment", "Kustomization")) {
            assertTrue(BY_KIND.containsKey(kind), "no " + kind + " in " + K8S + ": " + BY_KIND.keySet());
        }
        for (Map<String, Object> entry : Yamls.mapsAt(partitionsKustomization(), "patches")) {
            Path file = PARTITIONS.resolve(String.valueOf(entry.get("path")));
            for (Map<String, Object> patch : Yamls.documents(file)) {
                Map<String, Object> base = BY_KIND.getOrDefault(Yamls.stringAt(patch, "kind"), List.of()).stream()
                        .filter(d -> name(d).equals(name(patch))).findFirst()
                        .orElseThrow(() -> new AssertionError(file + " patches " + patch.get("kind") + "/" + name(patch)
                                + ", which is not in " + K8S));
                Map<String, Object> patched = Yamls.map(merged(base, patch, ""), file.toString());
                SOURCE.put(patched, SOURCE.get(base) + " + " + Repository.deploy().relativize(file));
                PARTITIONED.add(new Workload(patched));
            }
        }
    }

    @Test
    void everyContainerArgIsAnOptionOfItsSubcommandAndTheExpandedArgsParse() {
        for (Workload workload : everyWorkload()) {
            for (Map<String, Object> container : workload.containers()) {
                String where = workload + " container " + container.get("name");
                List<String> args = args(container);
                CommandSpec command = subcommand(args.get(0), where);
                for (String arg : args.subList(1, args.size())) {
                    assertTrue(arg.startsWith("--") && arg.contains("="), where + ": '" + arg + "' (expected: --option=value)");
                    String flag = arg.substring(0, arg.indexOf('='));
                    assertNotNull(command.findOption(flag), where + ": " + flag + " is not an option of 'chainrule " + args.get(0)
                            + "' (it takes " + optionNames(command) + ")");
                }
                List<String> expanded = expand(args, environment(container), where);
                try {
                    Main.commandLine(quiet(), quiet()).parseArgs(expanded.toArray(new String[0]));
                } catch (ParameterException e) {
                    fail(where + ": 'chainrule " + String.join(" ", expanded) + "' does not parse: " + e.getMessage());
                }
            }
        }
    }

    @Test
    void everyConfigMapKeyIsUsedAndTheWorkerReplicasAreTheCoordinatorsWorkers() {
        Map<String, String> config = configMap();
        Set<String> used = new TreeSet<>();
        for (Workload workload : workloads()) {
            for (Map<String, Object> container : workload.containers()) {
                for (String arg : args(container)) {
                    Matcher m = VARIABLE.matcher(arg);
                    while (m.find()) {
                        used.add(m.group(1));
                    }
                }
            }
        }
        assertEquals(new TreeSet<>(config.keySet()), used.stream().filter(config::containsKey).collect(Collectors.toCollection(TreeSet::new)),
                "ConfigMap keys that no container uses");
        Map<String, Object> workers = only("Deployment");
        assertEquals(config.get("CHAINRULE_WORKERS"), Yamls.stringAt(workers, "spec.replicas"),
                "the worker Deployment's replicas (expected: the ConfigMap's CHAINRULE_WORKERS, the coordinator's --workers)");
    }

    @Test
    void portsProbesAndScrapeAnnotationsMatchTheFlags() {
        for (Workload workload : everyWorkload()) {
            Map<String, Object> container = workload.containers().get(0);
            Map<String, String> options = options(args(container));
            CommandSpec command = subcommand(args(container).get(0), workload.toString());
            Map<String, Integer> ports = containerPorts(container);

            int metricsPort = Integer.parseInt(valueOf(options, command, "--metrics-port"));
            assertTrue(metricsPort > 0, workload + ": --metrics-port " + metricsPort + " serves no metrics");
            assertEquals(metricsPort, ports.get("metrics"), workload + ": the 'metrics' containerPort");
            assertEquals("0.0.0.0", options.get("--metrics-bind"), workload + ": --metrics-bind (Prometheus scrapes the pod's IP)");
            Map<String, Object> annotations = Yamls.mapAt(workload.document(), "spec.template.metadata.annotations");
            assertEquals("true", String.valueOf(annotations.get("prometheus.io/scrape")), workload + ": prometheus.io/scrape");
            assertEquals(Integer.toString(metricsPort), String.valueOf(annotations.get("prometheus.io/port")),
                    workload + ": prometheus.io/port (expected: --metrics-port)");
            assertEquals(MetricsServer.PATH, annotations.get("prometheus.io/path"), workload + ": prometheus.io/path");

            if (command.name().equals("coordinator")) {
                assertEquals(Integer.parseInt(valueOf(options, command, "--port")), ports.get("grpc"),
                        workload + ": the 'grpc' containerPort (expected: --port)");
                assertEquals("0.0.0.0", valueOf(options, command, "--bind"), workload + ": --bind (workers dial the pod's IP)");
            }
            if (options.containsKey("--partition-listen")) {
                assertEquals(ports.get("partition"), portOf(options.get("--partition-listen")),
                        workload + ": the 'partition' containerPort (expected: --partition-listen's port)");
                assertEquals(ports.get("partition"), portOf(options.get("--partition-advertise")),
                        workload + ": --partition-advertise's port (expected: the port it listens on)");
            }
            Object probePort = container.containsKey("readinessProbe") ? Yamls.at(container, "readinessProbe.tcpSocket.port") : null;
            if (probePort != null) {
                assertTrue(ports.containsKey(String.valueOf(probePort)), workload + ": the readiness probe's port " + probePort);
            }
        }
    }

    @Test
    void servicesSelectTheCoordinatorAndTheWorkersDialTheServicesGrpcPort() {
        Workload coordinator = new Workload(only("StatefulSet"));
        Map<String, Integer> containerPorts = containerPorts(coordinator.containers().get(0));
        List<Map<String, Object>> services = BY_KIND.get("Service");
        for (Map<String, Object> service : services) {
            Map<String, Object> selector = Yamls.mapAt(service, "spec.selector");
            assertTrue(coordinator.labels().entrySet().containsAll(selector.entrySet()),
                    "Service " + name(service) + " selects " + selector + ", the coordinator's pods are " + coordinator.labels());
            for (Map<String, Object> port : Yamls.mapsAt(service, "spec.ports")) {
                String target = String.valueOf(port.get("targetPort"));
                assertTrue(containerPorts.containsKey(target), "Service " + name(service) + " targets port '" + target
                        + "', the coordinator's ports are " + containerPorts);
                assertEquals(containerPorts.get(target), port.get("port"), "Service " + name(service) + " port " + port.get("name"));
            }
        }
        String headless = Yamls.stringAt(coordinator.document(), "spec.serviceName");
        assertTrue(services.stream().anyMatch(s -> name(s).equals(headless) && "None".equals(Yamls.mapAt(s, "spec").get("clusterIP"))),
                "the StatefulSet's serviceName " + headless + " (expected: a headless Service)");

        Workload workers = new Workload(only("Deployment"));
        String dial = options(args(workers.containers().get(0))).get("--coordinator");
        Map<String, Object> front = services.stream().filter(s -> !"None".equals(Yamls.mapAt(s, "spec").get("clusterIP")))
                .findFirst().orElseThrow();
        int grpc = Yamls.mapsAt(front, "spec.ports").stream().filter(p -> "grpc".equals(p.get("name")))
                .map(p -> (Integer) p.get("port")).findFirst().orElseThrow();
        assertEquals(name(front) + ":" + grpc, dial, "the workers' --coordinator (expected: the Service's name and gRPC port)");
    }

    @Test
    void pathsInFlagsAreOnTheRightVolumesAndTheTokenIsTheSecretsKey() {
        Map<String, Object> secret = only("Secret");
        for (Workload workload : everyWorkload()) {
            Map<String, Object> container = workload.containers().get(0);
            List<String> args = args(container);
            CommandSpec command = subcommand(args.get(0), workload.toString());
            boolean readOnlyRoot = Boolean.TRUE.equals(Yamls.mapAt(container, "securityContext").get("readOnlyRootFilesystem"));
            options(args).forEach((flag, value) -> {
                OptionSpec option = command.findOption(flag);
                if (option == null || option.type() != Path.class) {
                    return;
                }
                Map<String, Object> mount = workload.mountOf(container, value);
                assertNotNull(mount, workload + ": " + flag + "=" + value + " is on no volume mount");
                if (WRITTEN_PATHS.contains(flag)) {
                    assertFalse(Boolean.TRUE.equals(mount.get("readOnly")), workload + ": " + flag + " is written to a read-only mount");
                } else if (readOnlyRoot) {
                    assertTrue(Boolean.TRUE.equals(mount.get("readOnly")), workload + ": " + flag + " is only read: mount it read-only");
                }
            });
            if (readOnlyRoot) {
                assertNotNull(workload.mountOf(container, "/tmp/x"), workload + ": a read-only root needs a /tmp volume (the JVM and"
                        + " Netty's native transport write there)");
            }

            String data = options(args).get("--data");
            Map<String, Object> dataVolume = workload.volume(String.valueOf(workload.mountOf(container, data).get("name")));
            assertEquals(DataSplit.FASHION_MNIST_DIR.toString(), Yamls.stringAt(dataVolume, "hostPath.path"),
                    workload + ": the data set's volume (expected: Debian's dataset-fashion-mnist)");

            Path tokenFile = Path.of(options(args).get("--token-file"));
            Map<String, Object> tokenMount = workload.mountOf(container, tokenFile.toString());
            assertEquals(tokenFile.getParent().toString(), tokenMount.get("mountPath"), workload + ": the token's mount");
            Map<String, Object> tokenVolume = workload.volume(String.valueOf(tokenMount.get("name")));
            assertEquals(name(secret), Yamls.stringAt(tokenVolume, "secret.secretName"), workload + ": the token's Secret");
            Map<String, Object> item = Yamls.mapsAt(tokenVolume, "secret.items").stream()
                    .filter(i -> tokenFile.getFileName().toString().equals(i.get("path"))).findFirst()
                    .orElseThrow(() -> new AssertionError(workload + ": no Secret item is mounted as " + tokenFile));
            assertTrue(Yamls.mapAt(secret, "stringData").containsKey(String.valueOf(item.get("key"))),
                    workload + ": the Secret has no key " + item.get("key"));
        }
    }

    @Test
    void theImageIsWhatBuildImageTagsAndTheDockerfileExposesThePorts() throws IOException {
        String script = Files.readString(Repository.deploy().resolve("build-image"));
        Matcher tag = Pattern.compile("(?m)^tag=\"([^\"]+)\"").matcher(script);
        assertTrue(tag.find(), "deploy/build-image sets no default tag=\"...\"");
        Map<String, Object> kustomization = only("Kustomization");
        Map<String, String> rename = new HashMap<>();
        for (Map<String, Object> image : Yamls.mapsAt(kustomization, "images")) {
            rename.put(String.valueOf(image.get("name")), image.get("newName") + ":" + image.get("newTag"));
        }
        String dockerfile = Files.readString(Repository.deploy().resolve("Dockerfile"));
        Matcher expose = Pattern.compile("(?m)^EXPOSE\\s+(.+)$").matcher(dockerfile);
        assertTrue(expose.find(), "deploy/Dockerfile exposes no port");
        Set<String> exposed = Set.of(expose.group(1).strip().split("\\s+"));
        for (Workload workload : everyWorkload()) {
            for (Map<String, Object> container : workload.containers()) {
                String image = String.valueOf(container.get("image"));
                assertEquals(tag.group(1), rename.getOrDefault(image, image.contains(":") ? image : image + ":latest"),
                        workload + ": the image after kustomize's images: (expected: what deploy/build-image tags)");
                for (int port : containerPorts(container).values()) {
                    assertTrue(exposed.contains(Integer.toString(port)), workload + ": port " + port + " is not in the Dockerfile's EXPOSE "
                            + exposed);
                }
            }
        }
        Set<String> listed = ((List<?>) Yamls.at(kustomization, "resources")).stream().map(String::valueOf)
                .collect(Collectors.toCollection(TreeSet::new));
        try (Stream<Path> files = Files.list(K8S)) {
            Set<String> manifests = files.map(f -> f.getFileName().toString())
                    .filter(f -> f.endsWith(".yaml") && !f.equals("kustomization.yaml") && !f.equals("secret.yaml"))
                    .collect(Collectors.toCollection(TreeSet::new));
            assertEquals(manifests, listed, "kustomization.yaml's resources (every manifest but the placeholder Secret)");
        }
    }

    @Test
    void thePartitionsOverlayBuildsOnDeployK8sWithItsOwnPatchFiles() throws IOException {
        Map<String, Object> kustomization = partitionsKustomization();
        assertEquals(List.of("../k8s"), Yamls.at(kustomization, "resources"), "the overlay's resources (expected: the base)");
        assertTrue(Files.isRegularFile(PARTITIONS.resolve("../k8s/kustomization.yaml")), "the overlay's base has no kustomization.yaml");
        Set<String> patches = Yamls.mapsAt(kustomization, "patches").stream().map(p -> String.valueOf(p.get("path")))
                .collect(Collectors.toCollection(TreeSet::new));
        try (Stream<Path> files = Files.list(PARTITIONS)) {
            Set<String> others = files.map(f -> f.getFileName().toString())
                    .filter(f -> f.endsWith(".yaml") && !f.equals("kustomization.yaml"))
                    .collect(Collectors.toCollection(TreeSet::new));
            assertEquals(others, patches, "the overlay's patches (expected: every other file of " + PARTITIONS + ")");
        }
        assertEquals(Set.of("StatefulSet/chainrule-coordinator", "Deployment/chainrule-worker"),
                PARTITIONED.stream().map(w -> w.document().get("kind") + "/" + name(w.document())).collect(Collectors.toSet()),
                "what the overlay patches");
    }

    @Test
    void thePartitionedCoordinatorHasTheBaseArgsWithAPartitionPerWorker() {
        List<String> base = args(new Workload(only("StatefulSet")).containers().get(0));
        List<String> partitioned = args(partitioned("StatefulSet").containers().get(0));
        assertTrue(base.stream().anyMatch(a -> a.startsWith("--checkpoint-dir=")), "the base coordinator writes checkpoints");
        assertEquals(base, partitioned.stream().filter(a -> !a.startsWith("--partitions=")).toList(),
                "the overlay's coordinator args (expected: the base's with --partitions, checkpoints included)");
        Map<String, String> options = options(partitioned);
        assertEquals(options.get("--workers"), options.get("--partitions"), "--partitions (expected: one per worker, as --workers)");
        assertEquals(configMap().get("CHAINRULE_WORKERS"), Yamls.stringAt(partitioned("Deployment").document(), "spec.replicas"),
                "the overlay's worker replicas (expected: CHAINRULE_WORKERS, each hosting a partition)");
    }

    @Test
    void thePartitionedWorkersHaveTheBaseArgsAndServeAPartitionAtTheirPodsIp() {
        Map<String, Object> worker = partitioned("Deployment").containers().get(0);
        List<String> args = args(worker);
        assertEquals(args(new Workload(only("Deployment")).containers().get(0)),
                args.stream().filter(a -> !a.startsWith("--partition-")).toList(),
                "the overlay's worker args (expected: the base's with the --partition-* options)");
        int port = containerPorts(worker).get("partition");
        assertEquals(7071, port, "the workers' 'partition' containerPort");
        assertEquals("0.0.0.0:" + port, options(args).get("--partition-listen"), "--partition-listen (the pod's every address)");
        assertEquals("$(POD_IP):" + port, options(args).get("--partition-advertise"), "--partition-advertise (the pod's IP)");
        Map<String, Object> podIp = Yamls.mapsAt(worker, "env").stream().filter(e -> "POD_IP".equals(e.get("name"))).findFirst()
                .orElseThrow(() -> new AssertionError("the overlay's worker has no env POD_IP"));
        assertEquals("status.podIP", Yamls.stringAt(podIp, "valueFrom.fieldRef.fieldPath"), "POD_IP's field");
        assertTrue(containerPorts(worker).containsKey("metrics"), "the base's ports stay: " + containerPorts(worker));
    }

    /** A StatefulSet or Deployment: its pod template's containers, labels, volumes and mounts. */
    private record Workload(Map<String, Object> document) {
        List<Map<String, Object>> containers() {
            List<Map<String, Object>> containers = Yamls.mapsAt(document, "spec.template.spec.containers");
            assertFalse(containers.isEmpty(), this + " has no containers");
            return containers;
        }

        Map<String, Object> labels() {
            Map<String, Object> labels = Yamls.mapAt(document, "spec.template.metadata.labels");
            assertTrue(labels.entrySet().containsAll(Yamls.mapAt(document, "spec.selector.matchLabels").entrySet()),
                    this + ": its selector does not match its pods' labels");
            return labels;
        }

        /** The mount whose mountPath holds {@code path} (the longest), or null. */
        Map<String, Object> mountOf(Map<String, Object> container, String path) {
            Map<String, Object> best = null;
            for (Map<String, Object> mount : Yamls.mapsAt(container, "volumeMounts")) {
                String at = String.valueOf(mount.get("mountPath"));
                if (Path.of(path).startsWith(Path.of(at))
                        && (best == null || at.length() > String.valueOf(best.get("mountPath")).length())) {
                    best = mount;
                }
            }
            return best;
        }

        /** The pod volume or volume claim template called {@code name}. */
        Map<String, Object> volume(String name) {
            Stream<Map<String, Object>> claims = Yamls.mapsAt(document, "spec.volumeClaimTemplates").stream()
                    .map(c -> Map.<String, Object>of("name", Yamls.stringAt(c, "metadata.name"), "claim", c));
            return Stream.concat(Yamls.mapsAt(document, "spec.template.spec.volumes").stream(), claims)
                    .filter(v -> name.equals(v.get("name"))).findFirst()
                    .orElseThrow(() -> new AssertionError(this + ": no volume " + name));
        }

        @Override
        public String toString() {
            return document.get("kind") + "/" + name(document) + " (" + SOURCE.get(document) + ")";
        }
    }

    private static List<Workload> workloads() {
        return Stream.of("StatefulSet", "Deployment").flatMap(kind -> BY_KIND.get(kind).stream()).map(Workload::new).toList();
    }

    /** The base's workloads and the overlay's. */
    private static List<Workload> everyWorkload() {
        return Stream.concat(workloads().stream(), PARTITIONED.stream()).toList();
    }

    /** The overlay's workload of {@code kind}. */
    private static Workload partitioned(String kind) {
        List<Workload> found = PARTITIONED.stream().filter(w -> kind.equals(w.document().get("kind"))).toList();
        assertEquals(1, found.size(), kind + "s patched by " + PARTITIONS);
        return found.get(0);
    }

    private static Map<String, Object> partitionsKustomization() throws IOException {
        List<Map<String, Object>> documents = Yamls.documents(PARTITIONS.resolve("kustomization.yaml"));
        assertEquals(1, documents.size(), PARTITIONS + "/kustomization.yaml's documents");
        return documents.get(0);
    }

    /**
     * {@code patch} applied to {@code base} as kustomize's strategic merge does for what the overlay
     * patches: maps key by key; lists of maps item by item, matched on their merge key (containerPort in
     * {@code ports}, name elsewhere: containers, env); any other list, such as args, replaced whole.
     */
    @SuppressWarnings("unchecked")
    private static Object merged(Object base, Object patch, String field) {
        if (base instanceof Map<?, ?> && patch instanceof Map<?, ?>) {
            Map<String, Object> result = new LinkedHashMap<>((Map<String, Object>) base);
            ((Map<String, Object>) patch).forEach((key, value) ->
                    result.put(key, result.containsKey(key) ? merged(result.get(key), value, key) : value));
            return result;
        }
        if (base instanceof List<?> items && patch instanceof List<?> patches && patches.stream().allMatch(Map.class::isInstance)) {
            String mergeKey = field.equals("ports") ? "containerPort" : "name";
            List<Object> result = new ArrayList<>(items);
            for (Object item : patches) {
                Object key = ((Map<?, ?>) item).get(mergeKey);
                int at = 0;
                while (at < result.size() && !(result.get(at) instanceof Map<?, ?> m && key != null && key.equals(m.get(mergeKey)))) {
                    at++;
                }
                if (at < result.size()) {
                    result.set(at, merged(result.get(at), item, field));
                } else {
                    result.add(item);
                }
            }
            return result;
        }
        return patch;
    }

    /** The port of {@code HOST:PORT}. */
    private static int portOf(String address) {
        assertNotNull(address, "no HOST:PORT");
        return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    }

    private static Map<String, Object> only(String kind) {
        List<Map<String, Object>> documents = BY_KIND.get(kind);
        assertEquals(1, documents.size(), kind + "s in " + K8S);
        return documents.get(0);
    }

    private static String name(Map<String, Object> document) {
        return document.containsKey("metadata") ? Yamls.stringAt(document, "metadata.name") : String.valueOf(document.get("kind"));
    }

    private static List<String> args(Map<String, Object> container) {
        Object args = Yamls.at(container, "args");
        assertTrue(args instanceof List<?> list && !list.isEmpty(), "container " + container.get("name") + ": no args");
        return ((List<?>) args).stream().map(String::valueOf).toList();
    }

    /** {@code --flag=value} args as a map (the subcommand left out). */
    private static Map<String, String> options(List<String> args) {
        Map<String, String> options = new LinkedHashMap<>();
        for (String arg : args.subList(1, args.size())) {
            int eq = arg.indexOf('=');
            options.put(eq < 0 ? arg : arg.substring(0, eq), eq < 0 ? "" : arg.substring(eq + 1));
        }
        return options;
    }

    /** The option's value in the args, or its default in the picocli model. */
    private static String valueOf(Map<String, String> options, CommandSpec command, String flag) {
        OptionSpec option = command.findOption(flag);
        assertNotNull(option, "'chainrule " + command.name() + "' has no " + flag);
        return options.getOrDefault(flag, option.defaultValue());
    }

    private static CommandSpec subcommand(String name, String where) {
        CommandLine sub = Main.commandLine(quiet(), quiet()).getSubcommands().get(name);
        assertNotNull(sub, where + ": '" + name + "' is not a chainrule command");
        return sub.getCommandSpec();
    }

    private static Set<String> optionNames(CommandSpec command) {
        return command.options().stream().map(OptionSpec::longestName).collect(Collectors.toCollection(TreeSet::new));
    }

    /** The container's environment: its env values (a field reference as an example value) and its envFrom ConfigMap. */
    private static Map<String, String> environment(Map<String, Object> container) {
        Map<String, String> environment = new HashMap<>();
        for (Map<String, Object> from : Yamls.mapsAt(container, "envFrom")) {
            String configMap = Yamls.stringAt(from, "configMapRef.name");
            assertEquals(name(only("ConfigMap")), configMap, "container " + container.get("name") + ": envFrom a ConfigMap that is not here");
            environment.putAll(configMap());
        }
        for (Map<String, Object> env : Yamls.mapsAt(container, "env")) {
            environment.put(String.valueOf(env.get("name")), env.containsKey("value") ? String.valueOf(env.get("value"))
                    : "from-" + Yamls.stringAt(env, "valueFrom.fieldRef.fieldPath").replace('.', '-'));
        }
        return environment;
    }

    private static List<String> expand(List<String> args, Map<String, String> environment, String where) {
        return args.stream().map(arg -> VARIABLE.matcher(arg).replaceAll(m -> {
            String value = environment.get(m.group(1));
            assertNotNull(value, where + ": " + arg + " refers to " + m.group(1) + ", which neither env nor envFrom defines");
            return Matcher.quoteReplacement(value);
        })).toList();
    }

    private static Map<String, String> configMap() {
        Map<String, String> data = new LinkedHashMap<>();
        Yamls.mapAt(only("ConfigMap"), "data").forEach((key, value) -> {
            assertTrue(value instanceof String, "ConfigMap " + key + ": " + value + " (expected: a quoted string)");
            data.put(key, (String) value);
        });
        return data;
    }

    private static Map<String, Integer> containerPorts(Map<String, Object> container) {
        Map<String, Integer> ports = new LinkedHashMap<>();
        for (Map<String, Object> port : Yamls.mapsAt(container, "ports")) {
            ports.put(String.valueOf(port.get("name")), (Integer) port.get("containerPort"));
        }
        return ports;
    }

    private static PrintWriter quiet() {
        return new PrintWriter(new StringWriter());
    }
}
