package dev.chainrule.optim;

import java.util.List;
import java.util.Objects;

/** Creates optimisers by kind: {@code sgd}, {@code momentum} or {@code adam}. */
public final class Optimizers {
    /** The kinds {@link #create} accepts. */
    public static final List<String> KINDS = List.of(Sgd.KIND, MomentumSgd.KIND, Adam.KIND);

    private Optimizers() {
    }

    /**
     * A new optimiser with no state.
     *
     * <ul>
     *   <li>{@code sgd}: {@code w −= lr·g};
     *   <li>{@code momentum}: {@code buf = g} on the first step, then {@code buf = μ·buf + g};
     *       {@code w −= lr·buf} (torch's SGD with dampening 0, no Nesterov);
     *   <li>{@code adam}: torch 1.13's single-tensor Adam without amsgrad.
     * </ul>
     *
     * With weight decay, each uses {@code g + weightDecay·w} in place of {@code g}.
     *
     * @throws IllegalArgumentException for an unknown kind, listing the valid ones
     */
    public static Optimizer create(String kind, OptimizerSettings settings) {
        Objects.requireNonNull(settings, "settings");
        if (kind == null) {
            throw Checks.unknownKind("optimizer", null, KINDS);
        }
        return switch (kind) {
            case Sgd.KIND -> new Sgd(settings.weightDecay());
            case MomentumSgd.KIND -> new MomentumSgd(settings.momentum(), settings.weightDecay());
            case Adam.KIND -> new Adam(settings.beta1(), settings.beta2(), settings.eps(), settings.weightDecay());
            default -> throw Checks.unknownKind("optimizer", kind, KINDS);
        };
    }
}
