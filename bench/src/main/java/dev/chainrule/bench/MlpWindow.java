package dev.chainrule.bench;

/**
 * What one timed window of MLP training steps measured.
 *
 * @param stepsPerSecond forward + backward + update steps per second
 * @param bytesPerStep   bytes the stepping thread allocated per step, or NaN where not measured
 */
record MlpWindow(double stepsPerSecond, double bytesPerStep) {
}
