package sibyl.config;

/**
 * Settings a node cannot start with. The message names the key, the value, and the file and line
 * (or environment variable) it came from.
 */
public final class SettingsException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SettingsException(String message) {
        super(message);
    }

    public SettingsException(String message, Throwable cause) {
        super(message, cause);
    }
}
