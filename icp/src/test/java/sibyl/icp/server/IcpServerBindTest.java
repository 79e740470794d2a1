package sibyl.icp.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.BindException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import sibyl.icp.policy.PolicyChain;

/**
 * SO_REUSEPORT would let a second server share a taken address and split the queries: a taken
 * address must stop the second one instead, with the address in the message.
 */
class IcpServerBindTest {

    @Test
    void aSecondServerOnTheSameAddressIsRefused() throws Exception {
        try (PolicyChain chain = new PolicyChain();
                IcpServer first = IcpServer.start(options(new InetSocketAddress("127.0.0.1", 0)), chain)) {
            InetSocketAddress taken = first.addresses().get(0);

            BindException e = assertThrows(BindException.class, () -> IcpServer.start(options(taken), chain));

            assertEquals("127.0.0.1:" + taken.getPort() + " is already in use (another Sibyl node, or another program)",
                    e.getMessage());
        }
    }

    @Test
    void anAddressHeldByAnotherProgramIsRefused() throws Exception {
        try (PolicyChain chain = new PolicyChain();
                DatagramSocket other = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            InetSocketAddress taken = new InetSocketAddress("127.0.0.1", other.getLocalPort());

            BindException e = assertThrows(BindException.class,
                    () -> IcpServer.start(new IcpServer.Options(List.of(taken), 1, 0, false), chain));

            assertEquals(true, e.getMessage().startsWith("127.0.0.1:" + taken.getPort() + ": "), e.getMessage());
        }
    }

    private static IcpServer.Options options(InetSocketAddress address) {
        return new IcpServer.Options(List.of(address), 2, 0, true);
    }
}
