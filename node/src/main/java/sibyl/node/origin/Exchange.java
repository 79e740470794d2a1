package sibyl.node.origin;

import io.netty.channel.Channel;
import io.netty.channel.epoll.AbstractEpollStreamChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GenericFutureListener;
import io.netty.util.concurrent.Promise;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeoutException;

/**
 * One request and its response, from acquiring a connection to giving it back. Runs on its
 * client's event loop, which is its connections' too; {@link #pause}, {@link #resume} and
 * {@link #abort} may come from any thread.
 *
 * <p>A GET or HEAD without a body sent on a reused connection that turns out dead before any
 * byte of the response came (the origin closed it while it sat idle, and we had not read the
 * close yet) is sent once more on a fresh connection: the origin cannot have acted on it.
 */
final class Exchange implements OriginExchange {
    /**
     * Bytes spliced per step: each step's end is progress the read timeout can see (spliced
     * reads never reach the pipeline's idle handler).
     */
    private static final int SPLICE_STEP = 64 * 1024;

    private final InetSocketAddress origin;
    private final EventExecutor loop;
    private final FullHttpRequest request;
    private final HttpMethod method;
    private final String uri;
    private final OriginListener listener;
    private final OriginStats stats;
    /** Whether it may be sent again: a GET or HEAD without a body. */
    private final boolean idempotent;
    private OriginPool pool;
    private Promise<Lease> leasing;
    private volatile Channel channel;
    /** The current connection's handler, which routes its events here. */
    private ConnectionHandler connection;
    private volatile boolean aborted;
    /** The client the body was spliced to closed: the failure that follows is not the origin's. */
    private boolean clientGone;
    private volatile boolean paused;
    /** The exchange still owns a reference to the request (to send it again, or not sent yet). */
    private boolean ownsRequest = true;
    private boolean reused;
    private boolean retried;
    /** Some byte of the response came on the current connection (seen before the HTTP decoder). */
    boolean bytesSeen;
    boolean headSeen;
    /** What the origin sent could not be decoded as HTTP (rather than the connection failing). */
    private boolean undecodable;
    private boolean done;
    private HttpResponse head;
    private long contentSeen;
    /** Where the body goes once the head's read is decoded, if {@link #spliceBodyTo} said yes. */
    private AbstractEpollStreamChannel spliceTarget;
    /** Closes the origin connection if the client goes mid-splice; removed once the exchange ends. */
    private GenericFutureListener<Future<? super Void>> clientClosed;
    private long spliceLeft = -1;
    private boolean splicedSinceIdle;

    /** Interim responses passed on per exchange at most; RFC 9110 sets no limit, but a hostile origin would. */
    static final int MAX_INTERIM = 16;
    private int interims;

    Exchange(InetSocketAddress origin, EventExecutor loop, FullHttpRequest request, OriginListener listener,
            OriginStats stats) {
        this.origin = origin;
        this.loop = loop;
        this.request = request;
        this.method = request.method();
        this.uri = request.uri();
        this.listener = listener;
        this.stats = stats;
        this.idempotent = (HttpMethod.GET.equals(method) || HttpMethod.HEAD.equals(method))
                && !request.content().isReadable();
    }

    InetSocketAddress origin() {
        return origin;
    }

    /** Asks {@code from} for a connection: any, or a new one if {@code fresh}. */
    void acquire(OriginPool from, boolean fresh) {
        pool = from;
        Promise<Lease> promise = loop.newPromise();
        leasing = promise;
        promise.addListener(leased -> {
            leasing = null;
            if (leased.isSuccess()) {
                start((Lease) leased.getNow());
            } else {
                releaseRequest();
                fail(leased.cause() instanceof Busy ? OriginFailure.BUSY : OriginFailure.UNREACHABLE, leased.cause());
            }
        });
        from.acquire(fresh, promise);
    }

    /** No pool could be had for the origin (origin.max-pools, all in use). */
    void refuse(Busy cause) {
        releaseRequest();
        fail(OriginFailure.BUSY, cause);
    }

    private void start(Lease lease) {
        Channel acquired = lease.channel();
        channel = acquired;
        reused = lease.reused();
        bytesSeen = false;
        if (aborted) {
            releaseRequest();
            finish(false);
            return;
        }
        connection = acquired.pipeline().get(ConnectionHandler.class);
        connection.exchange = this;
        connection.decoder.method = method;
        acquired.config().setAutoRead(!paused); // a pause asked for before the connection came
        if (idempotent && reused && !retried) {
            request.retain(); // kept, to send again if this connection turns out dead
        } else {
            ownsRequest = false;
        }
        acquired.writeAndFlush(request).addListener(written -> {
            if (!written.isSuccess() && channel == acquired) {
                onBroken(written.cause());
            }
        });
    }

    private void releaseRequest() {
        if (ownsRequest) {
            ownsRequest = false;
            request.release();
        }
    }

    void onHead(HttpResponse response) {
        releaseRequest(); // the origin answered: it will not be sent again
        headSeen = true;
        head = response;
        listener.onHead(response);
    }

    void onInterim(HttpResponse response) {
        if (aborted || done) {
            return;
        }
        if (++interims > MAX_INTERIM) {
            // An origin that keeps the exchange alive with 1xx alone never answers: a bad response.
            onUndecodable(new IllegalStateException("more than " + MAX_INTERIM + " interim (1xx) responses"));
            return;
        }
        listener.onInterim(response);
    }

    void onContent(HttpContent content) {
        contentSeen += content.content().readableBytes();
        boolean last = content instanceof LastHttpContent;
        if (last) {
            done = true;
        }
        try {
            listener.onContent(content, last);
        } finally {
            if (last) { // even if the listener failed: the connection must go back
                boolean keepAlive = HttpUtil.isKeepAlive(head) && HttpUtil.isKeepAlive(request);
                if (keepAlive && connection.decoder.undecoded()) {
                    connection.unsolicited(channel); // the response itself was whole: it stands
                    keepAlive = false;
                }
                finish(keepAlive);
            }
        }
    }

    @Override
    public boolean spliceBodyTo(Channel client) {
        long length = HttpUtil.getContentLength(head, -1L);
        int status = head.status().code();
        if (!(channel instanceof AbstractEpollStreamChannel) || !(client instanceof AbstractEpollStreamChannel target)
                || client.eventLoop() != channel.eventLoop() || length < 0 || HttpMethod.HEAD.equals(method)
                || status < 200 || status == 204 || status == 304 || spliceTarget != null) {
            return false;
        }
        spliceTarget = target;
        // Netty closes the client's splice pipe with the client: the origin must not splice
        // into it after that, so the origin connection goes with it, at once, on this loop. The
        // listener still hears of the failure (requests waiting on its fetch must go their own
        // way), but the client left: it is not the origin's fault. Removed when the exchange
        // ends: a kept-alive client would otherwise hold every exchange it ever spliced, until
        // it closes (Squid's parent connections may never).
        clientClosed = closed -> {
            if (!done) {
                clientGone = true;
                channel.close();
            }
        };
        client.closeFuture().addListener(clientClosed);
        return true;
    }

    /**
     * The read that brought the head is decoded, and so are the body bytes it held: whatever
     * is left of the body is still in the socket, for splice.
     */
    void readComplete() {
        if (spliceTarget == null || spliceLeft >= 0 || done || aborted) {
            return;
        }
        spliceLeft = HttpUtil.getContentLength(head, -1L) - contentSeen;
        if (spliceLeft > 0) {
            spliceStep();
        }
    }

    private void spliceStep() {
        int step = (int) Math.min(spliceLeft, SPLICE_STEP);
        ((AbstractEpollStreamChannel) channel).spliceTo(spliceTarget, step).addListener(spliced -> {
            if (done || aborted) {
                return;
            }
            if (!spliced.isSuccess()) {
                fail(OriginFailure.CUT_SHORT, spliced.cause());
                return;
            }
            spliceLeft -= step;
            contentSeen += step;
            splicedSinceIdle = true;
            listener.onSpliced(step);
            if (spliceLeft > 0) {
                spliceStep();
            } else {
                done = true;
                listener.onContent(LastHttpContent.EMPTY_LAST_CONTENT, true);
                finish(false); // the decoder never saw the spliced bytes
            }
        });
    }

    /** A read timeout: unless a splice step ended since the last one, the origin went quiet. */
    boolean quietSinceLastIdle() {
        boolean quiet = !splicedSinceIdle;
        splicedSinceIdle = false;
        return quiet;
    }

    /** The connection failed or closed under the exchange. */
    void onBroken(Throwable cause) {
        if (done) {
            return;
        }
        if (!bytesSeen && reused && ownsRequest && !retried && !aborted) {
            retry();
            return;
        }
        fail(headSeen ? OriginFailure.CUT_SHORT : OriginFailure.BAD_RESPONSE, cause);
    }

    /** The reused connection was dead: the same request, once, on a new one. */
    private void retry() {
        retried = true;
        stats.retries.increment();
        Channel dead = channel;
        connection.exchange = null;
        connection = null;
        channel = null;
        pool.release(dead, false);
        acquire(pool, true);
    }

    /** The response could not be decoded: not HTTP, or bad framing (chunk sizes). */
    void onUndecodable(Throwable cause) {
        undecodable = true;
        fail(headSeen ? OriginFailure.CUT_SHORT : OriginFailure.BAD_RESPONSE, cause);
    }

    void onIdle() {
        if (done) {
            return;
        }
        fail(headSeen ? OriginFailure.CUT_SHORT : OriginFailure.TIMEOUT,
                new TimeoutException("no data from the origin within origin.read-timeout"));
    }

    void fail(OriginFailure failure, Throwable cause) {
        if (done) {
            return;
        }
        done = true;
        releaseRequest();
        if (!aborted) {
            if (!clientGone) {
                stats.failed(failure);
                stats.log.warn(describe(failure, cause));
            }
            listener.onFailure(failure, cause);
        }
        if (channel != null) {
            finish(false);
        }
    }

    /** "origin 10.0.0.5:80 (GET /a): cut its response short after 512000 of 1048576 body bytes: ..." */
    private String describe(OriginFailure failure, Throwable cause) {
        String what = switch (failure) {
            case UNREACHABLE -> "could not be reached";
            case TIMEOUT -> "sent no response within origin.read-timeout";
            case BUSY -> "no connection to it could be had within this node's limits";
            case BAD_RESPONSE -> undecodable ? "sent something that is not an HTTP response"
                    : bytesSeen ? "broke off in the middle of its response head"
                    : "closed the connection without answering";
            case CUT_SHORT -> {
                long length = head == null ? -1 : HttpUtil.getContentLength(head, -1L);
                String status = head.status().code() + " response";
                String sofar = contentSeen + (length >= 0 ? " of " + length : "") + " body bytes";
                yield undecodable ? "framed its " + status + " wrongly (bad chunking?) after " + sofar
                        : "cut its " + status + " short after " + sofar;
            }
        };
        String why = cause == null ? "" : cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
        return "origin " + origin.getHostString() + ":" + origin.getPort() + " (" + method + " " + uri + "): " + what
                + (why.isEmpty() ? "" : ": " + why);
    }

    /** Gives the connection back: for reuse, or closed. Exactly once per acquired channel. */
    private void finish(boolean reusable) {
        releaseRequest();
        if (clientClosed != null) {
            spliceTarget.closeFuture().removeListener(clientClosed);
            clientClosed = null;
        }
        Channel current = channel;
        if (connection != null) {
            connection.exchange = null;
            connection = null;
        }
        pool.release(current, reusable);
    }

    @Override
    public void pause() {
        paused = true;
        Channel current = channel;
        if (current != null) {
            current.config().setAutoRead(false);
        }
    }

    @Override
    public void resume() {
        paused = false;
        Channel current = channel;
        if (current != null) {
            current.config().setAutoRead(true);
        }
    }

    @Override
    public void abort() {
        aborted = true;
        Runnable end = () -> {
            Promise<Lease> waiting = leasing;
            if (waiting != null) {
                waiting.cancel(false); // its listener ends the exchange, silently
            } else if (!done && channel != null) {
                done = true;
                finish(false);
            }
        };
        if (loop.inEventLoop()) {
            end.run(); // at once: a splice must not run on after its client is gone
        } else {
            loop.execute(end);
        }
    }
}
