/**
 * Tests of {@code deploy/}: the files users deploy Chainrule with, checked against the code and run
 * for real. Why a test-only module: the deployment files are not Java, and what they must agree with
 * (the command line's options, the meters' names, the runnable jar) lives in the other modules, so
 * the {@code deploy} module itself holds the tests, depends on {@code chainrule-cli} in test scope
 * and builds no jar.
 *
 * <ul>
 *   <li>{@link dev.chainrule.deploy.KubernetesManifestsTest}: the manifests, and the partitioned overlay
 *       k8s-partitions applied to them, against the picocli model of {@code chainrule}, the image that
 *       {@code build-image} tags and the Dockerfile's ports.
 *   <li>{@link dev.chainrule.deploy.DashboardMetricsTest}: every metric the Grafana dashboard queries is
 *       exported by a real coordinator and worker.
 *   <li>{@link dev.chainrule.deploy.PrometheusScrapeIT}: Debian's Prometheus scrapes a coordinator.
 *   <li>{@link dev.chainrule.deploy.ContainerClusterIT}: the image built FROM scratch, a coordinator and
 *       two worker containers on a Docker network (Testcontainers), with and without a worker killed.
 *   <li>{@link dev.chainrule.deploy.DockerComposeIT}: {@code docker-compose up} of docker-compose.yml, alone
 *       and with its override docker-compose.partitions.yml.
 * </ul>
 * The unit tests need only Java; the integration tests ({@code *IT}, failsafe, after {@code package})
 * need Docker, docker-compose and Prometheus, which {@code tools/test-all} installs and starts. Without them
 * they fail, naming what is missing: they never skip. Every wait is bounded; every process, container
 * and network they start is stopped and removed at the end.
 */
package dev.chainrule.deploy;
