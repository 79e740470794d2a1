package sibyl.config;

/**
 * Settings a node cannot start with. The message names the key, the value, and the file and line
 * (or environment variable) it came from.
 */
public final class SettingsException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    /** The setting at fault, when one is: a check can set it aside and look for more errors. */
    private final String key;

    public SettingsException(String message) {
        this(null, message);
    }

    public SettingsException(String message, Throwable cause) {
        super(message, cause);
        this.key = null;
    }

    /** An error in the setting {@code key} (a path such as {@code icp.threads}). */
    public SettingsException(String key, String message) {
        super(message);
        this.key = key;
    }

    /** The setting at fault, or null when the error is not one setting's (a file that does not parse). */
    public String key() {
        return key;
    }
}
