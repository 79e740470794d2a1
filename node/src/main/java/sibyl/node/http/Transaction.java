package sibyl.node.http;

import io.netty.util.AttributeKey;

/**
 * One request and its response as the access log and the counters see them. Filled in by the
 * handlers that decide (the code, the origin asked) and by {@link HttpTransactions} (status,
 * bytes); used by one connection's event loop only.
 */
final class Transaction {
    /** The connection's transaction in progress. */
    static final AttributeKey<Transaction> KEY = AttributeKey.valueOf(Transaction.class, "transaction");

    final long startNanos = System.nanoTime();
    final long startMillis = System.currentTimeMillis();
    final String client;
    final String method;
    String url;
    LogCode code = LogCode.NONE_NONE;
    /** The origin asked, as "HIER_DIRECT/address"; none for hits and errors. */
    String hierarchy = "HIER_NONE/-";
    int status;
    String contentType = "-";
    long bytesOut;
    boolean aborted;
    /** What the request's body holds of the {@link BodyBudget}. */
    long reservedBodyBytes;
    /**
     * The origin, not the client, cut the response short: logged with the status as sent, not
     * as {@code _ABORTED} (which says the client left), as nginx logs it.
     */
    boolean originFault;

    Transaction(String client, String method, String url) {
        this.client = client;
        this.method = method;
        this.url = url;
    }
}
