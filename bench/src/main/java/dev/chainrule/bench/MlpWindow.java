package dev.chainrule.bench;

/**
 * What one timed window of MLP training steps measured.
 *
 * @param stepsPerSecond forward + backward + update steps per second
 * @param bytesPerStep   bytes allocated per step by every thread of the side, or NaN where not measured
 */
record MlpWindow(double stepsPerSecond, double bytesPerStep) {
}
