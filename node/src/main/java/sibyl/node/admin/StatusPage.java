package sibyl.node.admin;

/**
 * The status page: one HTML document with its style and script inline (the machines that run
 * a node are often offline), which draws itself from {@code /status.json}.
 */
final class StatusPage {
    static final String HTML = AdminHandler.resource("status.html");

    private StatusPage() {}
}
