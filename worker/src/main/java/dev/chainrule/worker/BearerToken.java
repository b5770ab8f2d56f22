package dev.chainrule.worker;

import dev.chainrule.wire.BearerTokens;
import io.grpc.CallCredentials;
import io.grpc.Metadata;
import java.util.concurrent.Executor;

/**
 * Call credentials that put {@code authorization: Bearer <token>} ({@link BearerTokens}) on every
 * call: the shared secret the coordinator checks. They are applied over plaintext channels too (a
 * local cluster on loopback); across a network, pair them with TLS so that the token is not sent in
 * the clear. Immutable; {@link #toString} never shows the token.
 */
final class BearerToken extends CallCredentials {
    private final String value;

    /** @throws IllegalArgumentException as {@link BearerTokens#headerValue} */
    BearerToken(String token) {
        this.value = BearerTokens.headerValue(token);
    }

    @Override
    public void applyRequestMetadata(RequestInfo requestInfo, Executor appExecutor, MetadataApplier applier) {
        Metadata headers = new Metadata();
        headers.put(BearerTokens.AUTHORIZATION, value);
        applier.apply(headers);
    }

    @Override
    public String toString() {
        return "BearerToken[hidden]";
    }
}
