package sibyl.node.cache;

/**
 * The primary cache key of a URL: the same for every method (so HEAD finds a stored GET and a
 * PURGE every variant) and for the spellings of a URL that RFC 3986 section 6.2.2 makes
 * equivalent and that Squid writes in canonical form in its ICP queries: scheme and host in
 * lower case, the scheme's default port left out, an empty path written "/", no fragment.
 *
 * <p>Only ASCII letters change case (RFC 3986 section 6.2.2.1: a host is ASCII; other characters
 * would be percent-encoded, and their case is not equivalent), and a port is left out only when
 * the authority is host[:port]: what is not a URL keeps its spelling, so that the key of a key is
 * always the key itself.
 */
public final class CacheKey {
    /** Marks a slice's key: no URL's key has a fragment, so none can be taken for a slice's. */
    private static final String SLICE = "#slice=";

    private CacheKey() {}

    /** The key of slice {@code index} of the URL whose key is {@code key} (cache.slice-size). */
    public static String slice(String key, long index) {
        return key + SLICE + index;
    }

    /** The key of the URL a slice's {@code key} is part of; null if {@code key} is not a slice's. */
    public static String slicedUrl(String key) {
        int at = key.indexOf(SLICE);
        return at < 0 ? null : key.substring(0, at);
    }

    /**
     * The key of an absolute URL. Allocates nothing when the URL is already canonical, as the
     * URLs of Squid's ICP queries are.
     */
    public static String of(String url) {
        int schemeEnd = url.indexOf("://");
        if (schemeEnd <= 0 || !isScheme(url, schemeEnd)) {
            return stripFragment(url); // not an absolute URL: a "://" after a '/', '?' or '#' is in its path
        }
        int authorityStart = schemeEnd + 3;
        int authorityEnd = authorityStart;
        while (authorityEnd < url.length() && "/?#".indexOf(url.charAt(authorityEnd)) < 0) {
            authorityEnd++;
        }
        int hostStart = Math.max(authorityStart, url.lastIndexOf('@', authorityEnd - 1) + 1);
        int hostEnd = droppedPortStart(url, schemeEnd, hostStart, authorityEnd);
        if (isCanonical(url, schemeEnd, hostStart, hostEnd, authorityEnd)) {
            return url;
        }
        StringBuilder key = new StringBuilder(url.length() + 1);
        appendLowerCase(key, url, 0, schemeEnd);
        key.append(url, schemeEnd, hostStart);
        appendLowerCase(key, url, hostStart, hostEnd);
        boolean emptyPath = authorityEnd == url.length() || url.charAt(authorityEnd) != '/';
        if (emptyPath) {
            key.append('/');
        }
        int fragment = url.indexOf('#', authorityEnd);
        return key.append(url, authorityEnd, fragment < 0 ? url.length() : fragment).toString();
    }

    /** RFC 3986 section 3.1: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ). */
    private static boolean isScheme(String url, int schemeEnd) {
        for (int i = 0; i < schemeEnd; i++) {
            char c = url.charAt(i);
            boolean letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
            if (!letter && (i == 0 || !((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Where the part of the authority that the key leaves out starts: the ':' of an empty port or
     * of the scheme's default port after a host (a name without ':' or a bracketed literal);
     * otherwise {@code authorityEnd}.
     */
    private static int droppedPortStart(String url, int schemeEnd, int hostStart, int authorityEnd) {
        int colon;
        if (hostStart < authorityEnd && url.charAt(hostStart) == '[') {
            int close = url.indexOf(']', hostStart);
            colon = close < 0 || close + 1 >= authorityEnd ? -1 : close + 1;
        } else {
            colon = hostStart;
            while (colon < authorityEnd && url.charAt(colon) != ':') {
                colon++;
            }
            colon = colon == authorityEnd ? -1 : colon;
        }
        if (colon < 0 || url.charAt(colon) != ':') {
            return authorityEnd;
        }
        int portLength = authorityEnd - colon - 1;
        if (portLength == 0) {
            return colon; // "host:" is the default port (RFC 3986 section 6.2.3)
        }
        String defaultPort = defaultPort(url, schemeEnd);
        return defaultPort != null && portLength == defaultPort.length()
                && url.regionMatches(true, colon + 1, defaultPort, 0, portLength) ? colon : authorityEnd;
    }

    /**
     * Whether the URL already is its key, read in place: this runs for every ICP query the
     * {@code cache} policy sees, and Squid's URLs are canonical.
     */
    private static boolean isCanonical(String url, int schemeEnd, int hostStart, int hostEnd, int authorityEnd) {
        if (hostEnd != authorityEnd) {
            return false; // a port to leave out
        }
        for (int i = 0; i < schemeEnd; i++) {
            if (isUpperCase(url.charAt(i))) {
                return false;
            }
        }
        for (int i = hostStart; i < hostEnd; i++) {
            if (isUpperCase(url.charAt(i))) {
                return false;
            }
        }
        return authorityEnd < url.length() && url.charAt(authorityEnd) == '/' && url.indexOf('#', authorityEnd) < 0;
    }

    private static boolean isUpperCase(char c) {
        return c >= 'A' && c <= 'Z';
    }

    private static void appendLowerCase(StringBuilder to, String s, int from, int end) {
        for (int i = from; i < end; i++) {
            char c = s.charAt(i);
            to.append(isUpperCase(c) ? (char) (c + ('a' - 'A')) : c);
        }
    }

    /** The default port of the URL's scheme (in any case), as digits, or null. */
    private static String defaultPort(String url, int schemeEnd) {
        if (schemeEnd == 4 && url.regionMatches(true, 0, "http", 0, 4)) {
            return "80";
        }
        if (schemeEnd == 5 && url.regionMatches(true, 0, "https", 0, 5)) {
            return "443";
        }
        if (schemeEnd == 3 && url.regionMatches(true, 0, "ftp", 0, 3)) {
            return "21";
        }
        return null;
    }

    private static String stripFragment(String url) {
        int fragment = url.indexOf('#');
        return fragment < 0 ? url : url.substring(0, fragment);
    }
}
