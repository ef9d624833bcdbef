package dev.ficus.api.security;

import java.net.InetAddress;
import java.util.regex.Pattern;

/**
 * An address or CIDR block as AuthorizationPolicy's {@code ipBlocks}/{@code remoteIpBlocks} and the
 * {@code source.ip}/{@code remote.ip}/{@code destination.ip} conditions take it: {@code 203.0.113.4},
 * {@code 203.0.113.0/24}, {@code 2001:db8::1} or {@code 2001:db8::/32}. A single address is a block
 * of one ({@code /32} or {@code /128}). Parsed once when a snapshot is built; {@link #contains}
 * runs per connection.
 *
 * @param address the block's address as written (host bits may be set; they are ignored)
 */
public record IpBlock(byte[] address, int prefixLength) {

    private static final Pattern IPV4 = Pattern.compile("(0|[1-9][0-9]{0,2})(\\.(0|[1-9][0-9]{0,2})){3}");
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]+");

    /** Thrown with a message fit for a user: what is wrong and what is accepted. */
    public static final class IpBlockFormatException extends IllegalArgumentException {
        public IpBlockFormatException(String message) {
            super(message);
        }
    }

    public IpBlock {
        address = address.clone();
        if ((address.length != 4 && address.length != 16) || prefixLength < 0 || prefixLength > address.length * 8) {
            throw new IllegalArgumentException("bad address length or prefix");
        }
    }

    @Override
    public byte[] address() {
        return address.clone();
    }

    public static IpBlock parse(String text) {
        String accepted = "; expected an IPv4 or IPv6 address or CIDR such as 203.0.113.4, 10.0.0.0/8 or 2001:db8::/32";
        if (text == null || text.isEmpty()) throw new IpBlockFormatException("empty address" + accepted);
        int slash = text.indexOf('/');
        String addr = slash < 0 ? text : text.substring(0, slash);
        byte[] bytes = parseAddress(addr);
        if (bytes == null) throw new IpBlockFormatException("'" + text + "' is not an IP address or CIDR" + accepted);
        int max = bytes.length * 8;
        int prefix = max;
        if (slash >= 0) {
            String p = text.substring(slash + 1);
            if (!p.matches("0|[1-9][0-9]{0,2}") || Integer.parseInt(p) > max) {
                throw new IpBlockFormatException("'" + text + "' has an invalid prefix length '" + p + "'; use 0.." + max);
            }
            prefix = Integer.parseInt(p);
        }
        return new IpBlock(bytes, prefix);
    }

    private static byte[] parseAddress(String addr) {
        if (IPV4.matcher(addr).matches()) {
            String[] parts = addr.split("\\.");
            byte[] out = new byte[4];
            for (int i = 0; i < 4; i++) {
                int v = Integer.parseInt(parts[i]);
                if (v > 255) return null;
                out[i] = (byte) v;
            }
            return out;
        }
        if (addr.contains(":") && IPV6_CHARS.matcher(addr).matches()) {
            try {
                // A literal with ':' is parsed, never looked up.
                byte[] b = InetAddress.ofLiteral(addr).getAddress();
                return b.length == 16 ? b : null; // an IPv4-mapped literal comes back as 4 bytes: refuse the ambiguity
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        return null;
    }

    /** True when bits beyond the prefix are set (as in {@code 10.0.0.1/8}); they are ignored when matching. */
    public boolean hasHostBits() {
        for (int bit = prefixLength; bit < address.length * 8; bit++) {
            if ((address[bit / 8] & (0x80 >>> (bit % 8))) != 0) return true;
        }
        return false;
    }

    /** Whether {@code candidate} (4 or 16 bytes) falls in this block; other families never do. */
    public boolean contains(byte[] candidate) {
        if (candidate.length != address.length) return false;
        int full = prefixLength / 8;
        for (int i = 0; i < full; i++) {
            if (candidate[i] != address[i]) return false;
        }
        int rest = prefixLength % 8;
        if (rest == 0) return true;
        int mask = (0xff << (8 - rest)) & 0xff;
        return (candidate[full] & mask) == (address[full] & mask);
    }

    /** The network in CIDR form, host bits cleared, e.g. {@code 10.0.0.0/8}. */
    public String network() {
        byte[] net = address.clone();
        for (int bit = prefixLength; bit < net.length * 8; bit++) {
            net[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        try {
            return InetAddress.getByAddress(net).getHostAddress() + "/" + prefixLength;
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IpBlock b && b.prefixLength == prefixLength && java.util.Arrays.equals(b.address, address);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(address) * 31 + prefixLength;
    }

    @Override
    public String toString() {
        return network();
    }
}
