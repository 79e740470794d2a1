package sibyl.icp.policy.plugins;

/** A plugin or policy that cannot be loaded; the message names the jar file or setting. */
public final class PluginException extends Exception {
    private static final long serialVersionUID = 1L;

    public PluginException(String message) {
        super(message);
    }

    public PluginException(String message, Throwable cause) {
        super(message, cause);
    }
}
