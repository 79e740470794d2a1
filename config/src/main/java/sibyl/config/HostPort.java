package sibyl.config;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/** Parses the {@code HOST:PORT} and {@code [IPv6]:PORT} addresses of settings and command lines. */
public final class HostPort {
    private HostPort() {}

    /**
     * The socket address {@code text} names; a host of {@code *} or nothing is the wildcard
     * address. Host names are resolved now.
     *
     * @throws IllegalArgumentException saying what is wrong with {@code text}
     */
    public static InetSocketAddress parse(String text) {
        return parse(text, true);
    }

    /**
     * HOST:PORT with the host name left unresolved, for addresses looked up when they are used
     * (another cluster member's name, which may not resolve until that member is up).
     */
    public static InetSocketAddress parseUnresolved(String text) {
        return parse(text, false);
    }

    private static InetSocketAddress parse(String text, boolean resolve) {
        String trimmed = text.strip();
        int colon = trimmed.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("'" + text + "' is not HOST:PORT or [IPv6]:PORT");
        }
        String host = trimmed.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.indexOf(':') >= 0) {
            throw new IllegalArgumentException("'" + text + "': write IPv6 addresses in brackets, as [::1]:3130");
        }
        int port;
        try {
            port = Integer.parseInt(trimmed.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "': the port is not a number");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("'" + text + "': the port must be within 0..65535");
        }
        if (host.isEmpty() || host.equals("*")) {
            return new InetSocketAddress(port);
        }
        if (!resolve) {
            return InetSocketAddress.createUnresolved(host, port);
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + text + "': unknown host '" + host + "'");
        }
    }
}
