package sibyl.icp.policy.builtin;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An address block such as {@code 10.0.0.0/8} or {@code ::1/128}; a bare address is a block of
 * one. Immutable.
 */
public final class Cidr {
    private final InetAddress network;
    private final int prefixLength;
    /** The network's bytes, kept: InetAddress.getAddress() copies them on every call. */
    private final byte[] networkBytes;

    public Cidr(InetAddress network, int prefixLength) {
        this.networkBytes = network.getAddress();
        int bits = networkBytes.length * 8;
        if (prefixLength < 0 || prefixLength > bits) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " is not within 0.." + bits);
        }
        this.network = network;
        this.prefixLength = prefixLength;
    }

    public InetAddress network() {
        return network;
    }

    public int prefixLength() {
        return prefixLength;
    }

    /**
     * Parses {@code ADDRESS[/PREFIX]}. Only literal addresses are accepted: an access list that
     * resolved names would depend on DNS at start.
     *
     * @throws IllegalArgumentException saying what is wrong with {@code text}
     */
    public static Cidr parse(String text) {
        String trimmed = text.strip();
        int slash = trimmed.indexOf('/');
        String address = slash < 0 ? trimmed : trimmed.substring(0, slash);
        if (address.startsWith("[") && address.endsWith("]")) {
            address = address.substring(1, address.length() - 1);
        }
        InetAddress network = address.indexOf(':') >= 0 ? ipv6(address) : ipv4(address);
        if (network == null) {
            throw new IllegalArgumentException("'" + text + "' is not an address block like 192.0.2.0/24 or 2001:db8::/32");
        }
        int bits = network.getAddress().length * 8;
        int prefix = bits;
        if (slash >= 0) {
            String digits = trimmed.substring(slash + 1);
            if (digits.isEmpty() || digits.length() > 3 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new IllegalArgumentException("'" + text + "': prefix length is not a number");
            }
            prefix = Integer.parseInt(digits);
        }
        if (prefix > bits) {
            throw new IllegalArgumentException("'" + text + "': prefix length must be within 0.." + bits);
        }
        return new Cidr(network, prefix);
    }

    /**
     * Four decimal octets without leading zeros, or null. InetAddress would also take "10.1" (as
     * 10.0.0.1), "010.0.0.1" and, failing those, look the text up in DNS.
     */
    private static InetAddress ipv4(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] octets = new byte[4];
        for (int i = 0; i < 4; i++) {
            String part = parts[i];
            if (part.isEmpty() || part.length() > 3 || (part.length() > 1 && part.charAt(0) == '0')
                    || !part.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return null;
            }
            int value = Integer.parseInt(part);
            if (value > 255) {
                return null;
            }
            octets[i] = (byte) value;
        }
        try {
            return InetAddress.getByAddress(octets);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** An IPv6 literal, or null. With a ':' in it, InetAddress parses and never resolves. */
    private static InetAddress ipv6(String text) {
        if (!text.chars().allMatch(c -> c == ':' || c == '.' || Character.digit(c, 16) >= 0)) {
            return null;
        }
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** Whether {@code address} lies in this block; IPv4 and IPv6 blocks never match each other. */
    public boolean contains(InetAddress address) {
        return contains(address.getAddress());
    }

    /** Whether the address of these 4 or 16 bytes lies in this block. */
    public boolean contains(byte[] candidate) {
        byte[] net = networkBytes;
        if (candidate.length != net.length) {
            return false;
        }
        int whole = prefixLength / 8;
        for (int i = 0; i < whole; i++) {
            if (candidate[i] != net[i]) {
                return false;
            }
        }
        int rest = prefixLength % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (candidate[whole] & mask) == (net[whole] & mask);
    }

    /** Whether every address of this block is a loopback address. */
    public boolean isLoopback() {
        return network.isLoopbackAddress() && prefixLength >= (network.getAddress().length == 4 ? 8 : 128);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Cidr that && prefixLength == that.prefixLength && network.equals(that.network);
    }

    @Override
    public int hashCode() {
        return network.hashCode() * 31 + prefixLength;
    }

    @Override
    public String toString() {
        return network.getHostAddress() + "/" + prefixLength;
    }
}
