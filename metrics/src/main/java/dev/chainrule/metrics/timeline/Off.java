package dev.chainrule.metrics.timeline;

/** The timeline and the track that record nothing. */
final class Off {
    static final Timeline TIMELINE = new Timeline() {
        @Override
        public Track track(String name) {
            return TRACK;
        }

        @Override
        public void stepStarted(long step) {
        }

        @Override
        public ClockOffset clock() {
            return null;
        }

        @Override
        public void process(int pid, String processName) {
        }

        @Override
        public boolean recording() {
            return false;
        }
    };

    static final Track TRACK = new Track() {
        @Override
        public long now() {
            return 0;
        }

        @Override
        public long span(String name, long startNanos, long step, int shard, int parameter) {
            return 0;
        }

        @Override
        public void spanWithFlow(String name, long startNanos, long step, int shard, int parameter, boolean out) {
        }

        @Override
        public void instant(String name, long step, int shard, int parameter) {
        }
    };

    private Off() {
    }
}
