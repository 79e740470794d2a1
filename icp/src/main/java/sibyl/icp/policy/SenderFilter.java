package sibyl.icp.policy;

import java.net.InetAddress;

/**
 * A policy that decides by sender alone, such as the built-in {@code acl}: besides giving its
 * verdicts, it tells the server which senders the node talks to at all. A malformed query gets
 * {@code ICP_OP_ERR} only if every such policy in the chain admits its sender, so a forged
 * source address cannot turn the node into a reflector.
 */
public interface SenderFilter {
    /** Whether {@code sender} may be answered; called only for malformed queries, off the fast path. */
    boolean admits(InetAddress sender);
}
