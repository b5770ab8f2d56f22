package dev.chainrule.cli.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;

/**
 * Debian's {@code chromium}, run headless to take a screenshot of a page, as a person would see it.
 * tools/test-all installs it; without it the tests that need it fail, naming the package. Each
 * screenshot is also kept in {@code target/screenshots/}.
 */
final class HeadlessChromium {
    private HeadlessChromium() {
    }

    /** The screenshot of {@code page}, {@code width} × {@code height} pixels, written to {@code png} and read back. */
    static BufferedImage screenshot(Path page, Path png, int width, int height) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory(png.getParent(), "chromium-profile");
        Path log = png.resolveSibling(png.getFileName() + ".log");
        List<String> command = List.of(executable(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                "--user-data-dir=" + profile, "--screenshot=" + png, "--window-size=" + width + "," + height,
                page.toUri().toString());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail("chromium took longer than 120 s to take the screenshot: " + Files.readString(log, StandardCharsets.UTF_8));
        }
        assertEquals(0, process.exitValue(), "chromium's exit code; its output: " + Files.readString(log, StandardCharsets.UTF_8));
        assertTrue(Files.isRegularFile(png), "chromium wrote no screenshot: " + Files.readString(log, StandardCharsets.UTF_8));
        Path kept = Files.createDirectories(Path.of("target", "screenshots")).resolve(png.getFileName());
        Files.copy(png, kept, StandardCopyOption.REPLACE_EXISTING); // to look at after the test
        return ImageIO.read(png.toFile());
    }

    private static String executable() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, "chromium");
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        if (Files.isExecutable(Path.of("/usr/bin/chromium"))) {
            return "/usr/bin/chromium";
        }
        return fail("no 'chromium' on the PATH: the report tests render the page with Debian's headless chromium"
                + " (tools/test-all installs it; or apt-get install -y chromium)");
    }
}
