package sibyl.node.http;

import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import sibyl.node.cache.CacheControl;

/**
 * A request that passed the {@link RequestGuard}: well formed, with its target resolved to an
 * absolute URL. The {@link Admission} handler fills in the origin. Owns {@code request} (and so
 * its body) until a handler releases it.
 *
 * @param url the absolute URL, as the access log shows it
 * @param key its {@link sibyl.node.cache.CacheKey}
 * @param authority host[:port] of the URL: the Host header sent to the origin
 * @param originTarget path and query: the request target sent to the origin
 * @param forward whether the client named the URL (forward proxy) rather than only a path
 *     (accelerator)
 * @param control the request's Cache-Control ({@code Pragma: no-cache} counted as no-cache)
 * @param origin where to fetch from; null until admitted
 * @param storable false when a {@code nocache} rule matches the URL
 */
record ProxyRequest(FullHttpRequest request, Transaction transaction, String url, String key, String authority,
        String originTarget, boolean forward, boolean keepAlive, CacheControl control, InetSocketAddress origin,
        boolean storable) {

    ProxyRequest admitted(InetSocketAddress to, boolean mayStore) {
        return new ProxyRequest(request, transaction, url, key, authority, originTarget, forward, keepAlive, control,
                to, mayStore);
    }

    HttpMethod method() {
        return request.method();
    }

    HttpHeaders headers() {
        return request.headers();
    }

    HttpVersion version() {
        return request.protocolVersion();
    }
}
