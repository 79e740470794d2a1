package sibyl.node.origin;

/** No connection could be lent within this node's own limits: the client is told 503, the origin is not blamed. */
final class Busy extends Exception {
    Busy(String message) {
        super(message, null, false, false); // an expected outcome: no stack trace to fill
    }
}
