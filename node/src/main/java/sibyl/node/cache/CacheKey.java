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
        String scheme = url.substring(0, schemeEnd);
        String authority = url.substring(authorityStart, authorityEnd);
        String canonicalScheme = scheme.toLowerCase(Locale.ROOT);
        String canonicalAuthority = withoutDefaultPort(canonicalScheme, lowerCaseHost(authority));
        boolean emptyPath = authorityEnd == url.length() || url.charAt(authorityEnd) != '/';
        int fragment = url.indexOf('#', authorityEnd);
        if (canonicalScheme.equals(scheme) && canonicalAuthority.equals(authority) && !emptyPath && fragment < 0) {
            return url;
        }
        String rest = url.substring(authorityEnd, fragment < 0 ? url.length() : fragment);
        return canonicalScheme + "://" + canonicalAuthority + (emptyPath ? "/" : "") + rest;
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
        String defaultPort = switch (scheme) {
            case "http" -> ":80";
            case "https" -> ":443";
            case "ftp" -> ":21";
            default -> null;
        };
        if (defaultPort != null && authority.endsWith(defaultPort)) {
            return authority.substring(0, authority.length() - defaultPort.length());
        }
        return authority.endsWith(":") ? authority.substring(0, authority.length() - 1) : authority;
    }
}
