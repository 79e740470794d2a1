package sibyl.node.cache;

import java.util.Locale;

/**
 * The primary cache key of a URL: the same for every method (so HEAD finds a stored GET and a
 * PURGE every variant) and for the spellings of a URL that RFC 3986 section 6.2.2 makes
 * equivalent and that Squid writes in canonical form in its ICP queries: scheme and host in
 * lower case, the scheme's default port left out, an empty path written "/", no fragment.
 */
public final class CacheKey {
    private CacheKey() {}

    /**
     * The key of an absolute URL. Allocates nothing when the URL is already canonical, as the
     * URLs of Squid's ICP queries are.
     */
    public static String of(String url) {
        int schemeEnd = url.indexOf("://");
        if (schemeEnd <= 0) {
            return stripFragment(url);
        }
        int authorityStart = schemeEnd + 3;
        int authorityEnd = authorityStart;
        while (authorityEnd < url.length() && "/?#".indexOf(url.charAt(authorityEnd)) < 0) {
            authorityEnd++;
        }
        if (isCanonical(url, schemeEnd, authorityStart, authorityEnd)) {
            return url;
        }
        String canonicalScheme = url.substring(0, schemeEnd).toLowerCase(Locale.ROOT);
        String authority = url.substring(authorityStart, authorityEnd);
        String canonicalAuthority = withoutDefaultPort(canonicalScheme, lowerCaseHost(authority));
        boolean emptyPath = authorityEnd == url.length() || url.charAt(authorityEnd) != '/';
        int fragment = url.indexOf('#', authorityEnd);
        String rest = url.substring(authorityEnd, fragment < 0 ? url.length() : fragment);
        return canonicalScheme + "://" + canonicalAuthority + (emptyPath ? "/" : "") + rest;
    }

    /**
     * Whether the URL already is its key, read in place: this runs for every ICP query the
     * {@code cache} policy sees, and Squid's URLs are canonical.
     */
    private static boolean isCanonical(String url, int schemeEnd, int authorityStart, int authorityEnd) {
        for (int i = 0; i < schemeEnd; i++) {
            if (isUpperCase(url.charAt(i))) {
                return false;
            }
        }
        int hostStart = url.lastIndexOf('@', authorityEnd - 1) + 1;
        for (int i = Math.max(hostStart, authorityStart); i < authorityEnd; i++) {
            if (isUpperCase(url.charAt(i))) {
                return false;
            }
        }
        if (authorityEnd == url.length() || url.charAt(authorityEnd) != '/' || url.indexOf('#', authorityEnd) >= 0) {
            return false; // empty path, or a fragment
        }
        if (url.charAt(authorityEnd - 1) == ':') {
            return false; // an empty port
        }
        String defaultPort = defaultPort(url, schemeEnd);
        return defaultPort == null || !url.startsWith(defaultPort, authorityEnd - defaultPort.length());
    }

    private static boolean isUpperCase(char c) {
        return c >= 'A' && c <= 'Z';
    }

    /** The default port suffix of the URL's (lower-case) scheme, or null. */
    private static String defaultPort(String url, int schemeEnd) {
        if (schemeEnd == 4 && url.startsWith("http")) {
            return ":80";
        }
        if (schemeEnd == 5 && url.startsWith("https")) {
            return ":443";
        }
        if (schemeEnd == 3 && url.startsWith("ftp")) {
            return ":21";
        }
        return null;
    }

    private static String stripFragment(String url) {
        int fragment = url.indexOf('#');
        return fragment < 0 ? url : url.substring(0, fragment);
    }

    /** Lower-cases the host, not the user information before an '@'. */
    private static String lowerCaseHost(String authority) {
        int at = authority.lastIndexOf('@');
        String host = authority.substring(at + 1);
        String lower = host.toLowerCase(Locale.ROOT);
        return lower.equals(host) ? authority : authority.substring(0, at + 1) + lower;
    }

    private static String withoutDefaultPort(String scheme, String authority) {
        String defaultPort = defaultPort(scheme, scheme.length());
        if (defaultPort != null && authority.endsWith(defaultPort)) {
            return authority.substring(0, authority.length() - defaultPort.length());
        }
        return authority.endsWith(":") ? authority.substring(0, authority.length() - 1) : authority;
    }
}
