package dev.chainrule.autodiff.kernels;

import com.sun.jna.Library;
import com.sun.jna.Native;

/**
 * Sets a variable in this process's own C environment, where native libraries read it with
 * {@code getenv} (Java's {@link System#getenv} is a copy that cannot be changed), through JNA's
 * binding of the C library's {@code setenv}.
 */
final class ProcessEnvironment {
    /** The C library's {@code setenv}. */
    private interface CLibrary extends Library {
        int setenv(String name, String value, int overwrite);
    }

    private ProcessEnvironment() {
    }

    /**
     * Sets {@code name} to {@code value}, replacing any value it had; returns null on success, or why it
     * could not (e.g. JNA has no native part for this platform).
     */
    static String set(String name, String value) {
        try {
            CLibrary c = Native.load("c", CLibrary.class);
            return c.setenv(name, value, 1) == 0 ? null : "setenv(" + name + ") failed";
        } catch (Throwable e) { // UnsatisfiedLinkError, or NoClassDefFoundError without JNA's native part
            return "cannot set " + name + " in this process: " + e;
        }
    }
}
