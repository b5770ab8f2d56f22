/**
 * Who may talk to the coordinator: TLS or mutual TLS server credentials, and a shared bearer token
 * checked on every call. {@link dev.chainrule.coordinator.security.ServerSecurity} gathers both and
 * is handed to {@link dev.chainrule.coordinator.CoordinatorServer#tcp(String, int, ServerSecurity)};
 * the worker's side is {@code dev.chainrule.worker.ChannelSecurity}.
 */
package dev.chainrule.coordinator.security;
