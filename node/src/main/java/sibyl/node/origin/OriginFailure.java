package sibyl.node.origin;

/** Why an exchange with an origin failed, each with the answer a proxy owes its client. */
public enum OriginFailure {
    /** No connection could be made (refused, unreachable, connect timeout): 502. */
    UNREACHABLE(502),
    /** Connected, but no response (or no more of it) within the read timeout: 504. */
    TIMEOUT(504),
    /** Every connection to that origin is busy and the wait for one ran out: 503. */
    BUSY(503),
    /** The origin answered something that is not HTTP, or closed before answering: 502. */
    BAD_RESPONSE(502),
    /** The response started but its body was cut short: the client connection must be closed. */
    CUT_SHORT(0);

    private final int status;

    OriginFailure(int status) {
        this.status = status;
    }

    /** The status to answer the client with, or 0 when a response was already under way. */
    public int status() {
        return status;
    }

    /** What went wrong, for the client's error page and the log, with {@code cause}'s message if any. */
    public String describe(Throwable cause) {
        String what = switch (this) {
            case UNREACHABLE -> "the origin could not be reached";
            case TIMEOUT -> "the origin did not answer in time (origin.read-timeout)";
            case BUSY -> "every connection to the origin stayed busy (origin.max-connections, origin.acquire-timeout)";
            case BAD_RESPONSE -> "the origin's response was not valid HTTP";
            case CUT_SHORT -> "the origin's response was cut short";
        };
        return what + (cause == null || cause.getMessage() == null ? "" : ": " + cause.getMessage());
    }
}
