package sibyl.node.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kernel's per-user pipe limit, met for real: a JVM run as an unprivileged user (setpriv,
 * no capabilities) asks for more pipe pages than fs.pipe-user-pages-soft allows. The store must
 * say no (count a refusal, so the body goes to direct memory), leak no descriptor doing so, and
 * take bodies again once pages are given back.
 */
class PipeLimitsTest {
    @TempDir
    Path directory;

    @Test
    void pastThePipeUserPagesSoftLimitBodiesAreRefusedWithoutLeaking() throws Exception {
        assumeTrue(System.getProperty("os.name").startsWith("Linux"), "Linux's pipes");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "setpriv (util-linux) runs the probe unprivileged");
        assumeTrue("root".equals(System.getProperty("user.name")), "only root can start a process as another user");
        long soft = Long.parseLong(Files.readAllLines(Path.of("/proc/sys/fs/pipe-user-pages-soft")).get(0).strip());
        assumeTrue(soft > 0 && soft <= 65536, "a soft limit of at most 256 MiB to run into");

        // The unprivileged user cannot read the build's class path (under /root): copy it here.
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
        List<String> classPath = new ArrayList<>();
        int n = 0;
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path source = Path.of(entry);
            Path copy = directory.resolve(n++ + "-" + source.getFileName());
            if (Files.isDirectory(source)) {
                copyTree(source, copy);
            } else if (Files.isRegularFile(source)) {
                Files.copy(source, copy, StandardCopyOption.REPLACE_EXISTING);
            } else {
                continue;
            }
            classPath.add(copy.toString());
        }
        Files.walk(directory).forEach(path -> path.toFile().setReadable(true, false));
        Files.walk(directory).filter(Files::isDirectory).forEach(path -> path.toFile().setExecutable(true, false));

        Process probe = new ProcessBuilder("/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "--inh-caps=-all", "--bounding-set=-all",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", String.join(File.pathSeparator, classPath), UnprivilegedPipesProbe.class.getName())
                .directory(directory.toFile()).redirectErrorStream(true).start();
        assertTrue(probe.waitFor(60, TimeUnit.SECONDS), "the probe ends");
        String output = new String(probe.getInputStream().readAllBytes());
        assertEquals(0, probe.exitValue(), output);
        Map<String, String> result = new HashMap<>();
        for (String line : output.split("\n")) {
            int equals = line.indexOf('=');
            if (equals > 0 && !line.contains(" ")) {
                result.put(line.substring(0, equals), line.substring(equals + 1));
            }
        }
        assertEquals("false", result.get("exempt"), output);
        assertEquals("1", result.get("refused"), "the kernel said no once, and the store counted it: " + output);
        int taken = Integer.parseInt(result.get("taken"));
        assertTrue(taken > 0 && taken <= soft * 4096 / (1 << 20), "taken " + taken + " MiB of a " + soft + "-page limit");
        assertEquals("0", result.get("descriptors_after_refusal_delta"), "a refusal leaks no descriptor: " + output);
        assertEquals("0", result.get("pages_after_abandon"), output);
        assertEquals("true", result.get("retaken"), "room again once the pages are back: " + output);
    }

    private static void copyTree(Path source, Path target) throws Exception {
        try (var paths = Files.walk(source)) {
            for (Path path : (Iterable<Path>) paths::iterator) {
                Path to = target.resolve(source.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(path, to, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
