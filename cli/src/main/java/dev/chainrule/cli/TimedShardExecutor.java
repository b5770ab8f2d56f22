package dev.chainrule.cli;

import dev.chainrule.metrics.timeline.Timeline;
import dev.chainrule.metrics.timeline.Track;
import dev.chainrule.train.ShardExecutor;
import dev.chainrule.train.ShardPlan;
import dev.chainrule.train.StepReduction;

/** A shard executor that records each step it runs as a span on the timeline's "training thread" track; used with --timeline only. */
final class TimedShardExecutor implements ShardExecutor {
    private final ShardExecutor inner;
    private final Timeline timeline;
    private final Track track;

    TimedShardExecutor(ShardExecutor inner, Timeline timeline) {
        this.inner = inner;
        this.timeline = timeline;
        this.track = timeline.track("training thread");
    }

    @Override
    public double compute(long step, int[] batch, ShardPlan plan, StepReduction reduction) {
        timeline.stepStarted(step);
        long start = track.now();
        double loss = inner.compute(step, batch, plan, reduction);
        track.span("step: forward, backward and update", start, step, -1, -1);
        return loss;
    }

    @Override
    public void loadWeights() {
        inner.loadWeights();
    }
}
