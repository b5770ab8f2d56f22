/**
 * The run timeline ({@code --timeline FILE}): what each thread of a coordinator or a worker did
 * during a window of steps, written as Trace Event Format JSON that Perfetto and chrome://tracing
 * open. A {@link dev.chainrule.metrics.timeline.Timeline} is chosen once per process: {@link
 * dev.chainrule.metrics.timeline.Timeline#off()} records nothing and allocates nothing; a {@link
 * dev.chainrule.metrics.timeline.TimelineRecorder} stores each event in preallocated arrays of the
 * {@link dev.chainrule.metrics.timeline.Track} of the thread or role that recorded it and writes
 * them all at the end. A worker's times are moved onto the coordinator's clock by the offset its
 * {@link dev.chainrule.metrics.timeline.ClockOffset} measured; the README's "The run timeline" says
 * how, and how uncertain that is.
 */
package dev.chainrule.metrics.timeline;
