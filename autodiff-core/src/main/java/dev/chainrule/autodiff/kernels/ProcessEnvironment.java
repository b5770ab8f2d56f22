package dev.chainrule.autodiff.kernels;

import com.sun.jna.Library;
import com.sun.jna.Native;

/**
 * Sets a variable in this process's own C environment for as long as a native library takes to read
 * it with {@code getenv} as it loads, then puts back what was there (Java's {@link System#getenv} is a
 * copy that cannot be changed): through JNA's binding of the C library's {@code setenv} and
 * {@code unsetenv}. Processes this one starts later get the environment it was started with.
 */
final class ProcessEnvironment {
    /** The C library's {@code setenv} and {@code unsetenv}. */
    private interface CLibrary extends Library {
        int setenv(String name, String value, int overwrite);

        int unsetenv(String name);
    }

    private ProcessEnvironment() {
    }

    /**
     * Runs {@code load} with {@code name} set to {@code value}, then gives {@code name} back the value
     * it had when this process started (or none). Returns null when the variable was set, or why it
     * could not be (e.g. JNA has no native part for this platform; {@code load} runs anyway).
     */
    static String whileLoading(String name, String value, Runnable load) {
        String original = System.getenv(name); // Java's copy of the environment as this process started
        CLibrary c;
        try {
            c = Native.load("c", CLibrary.class);
        } catch (Throwable e) { // UnsatisfiedLinkError, or NoClassDefFoundError without JNA's native part
            load.run();
            return "cannot set " + name + " in this process: " + e;
        }
        if (c.setenv(name, value, 1) != 0) {
            load.run();
            return "setenv(" + name + ") failed";
        }
        try {
            load.run();
        } finally {
            if (original == null) {
                c.unsetenv(name);
            } else {
                c.setenv(name, original, 1);
            }
        }
        return null;
    }
}
