package sibyl.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeAll;
import sibyl.config.SettingsLoader;
import sibyl.icp.wire.FuzzDuration;
import sibyl.node.cache.CacheKey;

/**
 * Feeds arbitrary bytes, as a client would send them on one connection, to the front of the
 * node's real pipeline ({@link ClientFront}: decoder, encoder, aggregator,
 * transactions, guard) with the default settings, in an {@link EmbeddedChannel}. A stand-in for
 * the rest of the pipeline answers each {@link ProxyRequest} that gets through with a 200.
 *
 * <p>Checks that no exception escapes the pipeline; that what the node wrote back parses as
 * HTTP/1.1 responses, one per request, each a 200 from the stand-in or a 4xx or 5xx; that a
 * response saying {@code Connection: close} is the last and the connection is then closed, and
 * that every malformed request gets one; that each accepted request's URL is well formed; and
 * that every buffer the pipeline allocated or was given is released once the connection closes.
 *
 * <p>Regression mode runs the empty input and
 * {@code src/test/resources/sibyl/node/http/HttpRequestFuzzTestInputs/frontAnswersOrPassesOnAnyBytes/};
 * {@code JAZZER_FUZZ} makes it fuzz for {@code sibyl.fuzz.seconds} seconds.
 */
class HttpRequestFuzzTest {
    private static final String PASSED = "X-Fuzz-Passed";

    private static ClientFront front;

    @BeforeAll
    static void defaultSettings() {
        FuzzDuration.boundBySibylFuzzSeconds();
        front = ClientFront.of(SettingsLoader.defaults().http().limits(), AccessLog.NONE, new Via("fuzz-node"));
    }

    @FuzzTest(maxDuration = "20s")
    void frontAnswersOrPassesOnAnyBytes(byte[] bytes) {
        TrackingAllocator allocator = new TrackingAllocator();
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.config().setAllocator(allocator);
        List<HttpMethod> methods = new ArrayList<>();
        Rest rest = new Rest();
        front.addTo(channel.pipeline());
        // Every request head the decoder makes, in order: each gets one final response.
        channel.pipeline().addAfter("decoder", "heads", new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object message) {
                if (message instanceof HttpRequest request) {
                    methods.add(request.method());
                }
                ctx.fireChannelRead(message);
            }
        });
        channel.pipeline().addLast("rest", rest);

        // In two reads: the decoder must carry its state from one to the next.
        List<ByteBuf> given = new ArrayList<>(2);
        int half = bytes.length / 2;
        feed(channel, given, bytes, 0, half);
        feed(channel, given, bytes, half, bytes.length - half);
        channel.runPendingTasks();
        channel.checkException();

        if (channel.isOpen()) {
            assertNull(channel.readInbound(), "only the stand-in's ProxyRequests get past the guard");
        } else {
            // A closed channel's pipeline is taken down while the decoder still decodes what
            // was buffered (decodeLast): stray empty contents reach its end, released there.
            channel.releaseInbound();
        }
        List<Response> responses = responses(channel, methods);
        boolean open = channel.isOpen();
        channel.close();
        channel.runPendingTasks();
        channel.checkException();

        int passed = 0;
        for (int i = 0; i < responses.size(); i++) {
            Response response = responses.get(i);
            if (response.passed) {
                passed++;
            } else {
                assertTrue(response.status >= 400 && response.status < 600, () -> "status " + response);
            }
            if (response.malformed() || response.status == 414 || response.status == 431) {
                assertTrue(response.close, () -> "a malformed request leaves the connection open: " + response);
            }
            if (response.close) {
                assertEquals(responses.size() - 1, i, () -> "a response after Connection: close " + responses);
                assertFalse(open, () -> "open after " + response);
            }
        }
        assertEquals(rest.passed, passed, "each ProxyRequest answered once");
        assertTrue(responses.size() <= methods.size(), () -> responses.size() + " responses to " + methods);

        allocator.assertAllReleased();
        for (ByteBuf buffer : given) {
            assertEquals(0, buffer.refCnt(), "the bytes read are released");
        }
    }

    private static void feed(EmbeddedChannel channel, List<ByteBuf> given, byte[] bytes, int offset, int length) {
        if (length == 0 || !channel.isOpen()) {
            return;
        }
        ByteBuf buffer = Unpooled.copiedBuffer(bytes, offset, length);
        given.add(buffer);
        channel.writeInbound(buffer);
    }

    /** The stand-in for pages, admission and cache: answers each accepted request with a 200. */
    private static final class Rest extends ChannelInboundHandlerAdapter {
        int passed;

        /**
         * What reaches the end of the pipeline, where {@link CacheHandler} logs it and closes.
         * Once the connection is closed only what CacheHandler logs at debug may: the
         * aggregator's report of a request cut short, or of an interim response (100 Continue,
         * 417) to bytes still buffered behind a closing response that could not be written.
         */
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            boolean expected = cause instanceof PrematureChannelClosureException || cause instanceof IOException;
            if (!expected || ctx.channel().isActive()) {
                ctx.fireExceptionCaught(cause);
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object message) {
            if (!(message instanceof ProxyRequest request)) {
                ReferenceCountUtil.release(message);
                if (ctx.channel().isActive()) {
                    fail("the guard passed on " + message.getClass().getName());
                }
                return;
            }
            passed++;
            checkUrl(request);
            request.request().release();
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    Unpooled.EMPTY_BUFFER);
            response.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0).set(PASSED, "1");
            Framing.connection(response.headers(), request.version(), request.keepAlive());
            ctx.writeAndFlush(response);
        }

        private static void checkUrl(ProxyRequest request) {
            String url = request.url();
            assertEquals("http://" + request.authority() + request.originTarget(), url);
            assertNull(RequestGuard.authorityProblem(request.authority()), url);
            assertEquals(request.authority().toLowerCase(Locale.ROOT), request.authority(), url);
            assertTrue(request.originTarget().startsWith("/"), url);
            assertEquals(-1, url.indexOf('#'), url);
            assertTrue(url.chars().allMatch(c -> c > 0x20 && c < 0x7f), url);
            assertEquals(CacheKey.of(url), request.key(), url);
        }
    }

    /** A response as a client reads it off the connection. */
    private record Response(int status, boolean close, boolean passed, String body) {
        boolean malformed() {
            return status == 400 && body.startsWith("400 Bad Request\nmalformed request");
        }
    }

    /**
     * Reads what the node wrote as a client would: responses to HEAD have no body, 1xx are
     * interim. Everything written must parse, and end at a response's end.
     */
    private static List<Response> responses(EmbeddedChannel channel, List<HttpMethod> methods) {
        ArrayDeque<HttpMethod> asked = new ArrayDeque<>(methods);
        EmbeddedChannel client = new EmbeddedChannel(new HttpResponseDecoder() {
            @Override
            protected boolean isContentAlwaysEmpty(HttpMessage message) {
                if (message instanceof HttpResponse response && response.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                    return super.isContentAlwaysEmpty(message);
                }
                return HttpMethod.HEAD.equals(asked.poll()) || super.isContentAlwaysEmpty(message);
            }
        });
        for (Object written; (written = channel.readOutbound()) != null; ) {
            client.writeInbound(written);
        }
        List<Response> responses = new ArrayList<>();
        HttpResponse head = null;
        StringBuilder body = new StringBuilder();
        boolean ended = true;
        for (Object read; (read = client.readInbound()) != null; ) {
            try {
                if (read instanceof HttpResponse response) {
                    assertTrue(response.decoderResult().isSuccess(), () -> "unparsable response: " + response);
                    assertTrue(ended, "a response head before the previous one ended");
                    head = response;
                    ended = false;
                    body.setLength(0);
                }
                if (read instanceof HttpContent content) {
                    assertTrue(content.decoderResult().isSuccess(), () -> "unparsable response body: " + content);
                    body.append(content.content().toString(StandardCharsets.UTF_8));
                }
                if (read instanceof LastHttpContent) {
                    ended = true;
                    if (head.status().codeClass() != HttpStatusClass.INFORMATIONAL) {
                        responses.add(new Response(head.status().code(),
                                head.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE, true),
                                head.headers().contains(PASSED), body.toString()));
                    }
                }
            } finally {
                ReferenceCountUtil.release(read);
            }
        }
        assertTrue(ended, "the node's last response stops short");
        client.finishAndReleaseAll();
        return responses;
    }

    /** Unpooled buffers, each kept track of to check that all are released in the end. */
    private static final class TrackingAllocator extends AbstractByteBufAllocator {
        private final List<ByteBuf> allocated = new ArrayList<>();

        TrackingAllocator() {
            super(false);
        }

        private <B extends ByteBuf> B track(B buffer) {
            allocated.add(buffer);
            return buffer;
        }

        @Override
        protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
            return track(new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity));
        }

        @Override
        protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
            return track(new UnpooledDirectByteBuf(this, initialCapacity, maxCapacity));
        }

        @Override
        public CompositeByteBuf compositeHeapBuffer(int maxNumComponents) {
            return track(new CompositeByteBuf(this, false, maxNumComponents));
        }

        @Override
        public CompositeByteBuf compositeDirectBuffer(int maxNumComponents) {
            return track(new CompositeByteBuf(this, true, maxNumComponents));
        }

        @Override
        public boolean isDirectBufferPooled() {
            return false;
        }

        void assertAllReleased() {
            for (ByteBuf buffer : allocated) {
                assertEquals(0, buffer.refCnt(), () -> "not released: " + buffer);
            }
        }
    }
}
