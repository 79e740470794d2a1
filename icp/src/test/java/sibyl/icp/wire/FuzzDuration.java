package sibyl.icp.wire;

/** How long the module's fuzz tests fuzz. */
public final class FuzzDuration {
    private FuzzDuration() {}

    /**
     * Bounds the fuzzing time by the {@code sibyl.fuzz.seconds} system property (the parent pom
     * passes it to surefire). {@code @FuzzTest(maxDuration)} must be a constant, but Jazzer lets
     * its {@code jazzer.max_duration} option, read from the system property of that name when the
     * fuzz test starts, override it. Call this from {@code @BeforeAll}, which runs before. An
     * explicit {@code -Djazzer.max_duration} still wins.
     */
    public static void boundBySibylFuzzSeconds() {
        String seconds = System.getProperty("sibyl.fuzz.seconds");
        if (seconds != null && !seconds.isBlank() && System.getProperty("jazzer.max_duration") == null) {
            System.setProperty("jazzer.max_duration", Long.parseLong(seconds.strip()) + "s");
        }
    }
}
