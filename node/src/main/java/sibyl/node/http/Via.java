package sibyl.node.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpVersion;
import java.util.ArrayList;
import java.util.List;

/**
 * This node in Via (RFC 9110 section 7.6.3) and X-Cache headers: added to every message it
 * forwards, and looked for in requests, where finding it means the request has come round in a
 * loop.
 */
final class Via {
    private final String node;
    private final String hit;
    private final String miss;
    /** This node's Via element for HTTP/1.1, made once: every response carries it. */
    private final String http11;

    /** @param node the node's name: its received-by in Via, and the "from" of X-Cache */
    Via(String node) {
        this.node = node;
        this.hit = "HIT from " + node;
        this.miss = "MISS from " + node;
        this.http11 = element(HttpVersion.HTTP_1_1);
    }

    private String element(HttpVersion version) {
        return version.majorVersion() + "." + version.minorVersion() + " " + node + " (sibyl)";
    }

    String node() {
        return node;
    }

    /** Appends this node to the message's Via, for a message received as {@code version}. */
    void add(HttpHeaders headers, HttpVersion version) {
        String element = version.equals(HttpVersion.HTTP_1_1) ? http11 : element(version);
        String existing = headers.get(HttpHeaderNames.VIA);
        headers.set("Via", existing == null ? element : existing + ", " + element);
    }

    /**
     * Squid's {@code X-Cache: HIT from NODE} or {@code MISS from NODE}, after those of the caches
     * the response came through (a member that filled it), as Squid adds its own.
     */
    void xCache(HttpHeaders headers, boolean fromCache) {
        headers.add("X-Cache", fromCache ? hit : miss);
    }

    /** Whether a received request's Via names this node: it has been here before. */
    boolean loops(HttpHeaders headers) {
        for (String name : receivedBy(headers)) {
            if (name.equalsIgnoreCase(node)) {
                return true;
            }
        }
        return false;
    }

    /** The received-by names of a message's Via elements, in order ("1.1 NAME (comment)"). */
    static List<String> receivedBy(HttpHeaders headers) {
        List<String> names = new ArrayList<>(2);
        for (String line : headers.getAll(HttpHeaderNames.VIA)) {
            for (String element : line.split(",")) {
                String[] words = element.strip().split("[ \\t]+");
                if (words.length >= 2) {
                    names.add(words[1]);
                }
            }
        }
        return names;
    }
}
