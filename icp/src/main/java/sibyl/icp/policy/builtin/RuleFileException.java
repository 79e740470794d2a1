package sibyl.icp.policy.builtin;

/** A rule file that cannot be used; the message names the file and, where it applies, the line. */
public final class RuleFileException extends Exception {
    private static final long serialVersionUID = 1L;

    public RuleFileException(String message) {
        super(message);
    }
}
