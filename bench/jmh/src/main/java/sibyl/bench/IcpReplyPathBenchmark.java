package sibyl.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import sibyl.icp.policy.PolicyChain;
import sibyl.icp.policy.builtin.AclPolicy;
import sibyl.icp.policy.builtin.Cidr;
import sibyl.icp.policy.builtin.RulesPolicy;
import sibyl.icp.policy.builtin.RuleFile;
import sibyl.icp.policy.IcpVerdict;
import sibyl.icp.server.IcpResponder;
import sibyl.icp.server.IcpServerStats;
import sibyl.icp.wire.IcpCodec;
import sibyl.icp.wire.IcpMessage;

/**
 * One ICP query through the server's whole reply path, without the socket: validate in place,
 * the policy chain, the reply written into a pooled buffer (then released, as the socket would).
 *
 * <ul>
 *   <li>{@code empty}: no policy at all, every query answered ICP_OP_MISS: the codec's share;
 *   <li>{@code default}: the chain a node starts with, the loopback {@code acl};
 *   <li>{@code rules}: that acl, then a {@code rules} policy of 10 patterns none of which match,
 *       the worst case for rules (the URL string is decoded and every pattern searched).
 * </ul>
 *
 * Run: {@code bench/jmh.sh IcpReplyPath} (add {@code -prof gc} for allocation per query).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class IcpReplyPathBenchmark {

    @Param({"empty", "default", "rules"})
    public String chain;

    private final ByteBufAllocator allocator = PooledByteBufAllocator.DEFAULT;
    private final InetSocketAddress sender = new InetSocketAddress("127.0.0.1", 3130);
    private ByteBuf query;
    private PolicyChain policies;
    private IcpResponder responder;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        byte[] bytes = IcpCodec.toBytes(IcpMessage.query(2, 0xDEADBEEF, "http://www.example.com/static/images/logo-2026.png"));
        query = Unpooled.directBuffer(bytes.length).writeBytes(bytes);
        policies = new PolicyChain();
        if (chain.equals("empty")) {
            responder = new IcpResponder(policies, new IcpServerStats());
            return;
        }
        policies.register("10-acl", new AclPolicy(List.of(Cidr.parse("127.0.0.0/8"), Cidr.parse("::1/128"))));
        if (chain.equals("rules")) {
            Path file = Files.createTempFile("sibyl-bench", ".rules");
            StringBuilder rules = new StringBuilder();
            for (int i = 0; i < 10; i++) {
                rules.append("MISS_NOFETCH ^http://cdn").append(i).append("\\.example\\.net/.*\\.iso$\n");
            }
            Files.writeString(file, rules);
            RulesPolicy rulesPolicy = new RulesPolicy(IcpVerdict.MISS_NOFETCH);
            rulesPolicy.setRules(RuleFile.read(file, java.util.Set.of("MISS_NOFETCH")));
            policies.register("20-rules", rulesPolicy);
            Files.delete(file);
        }
        responder = new IcpResponder(policies, new IcpServerStats());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        policies.close();
        query.release();
    }

    @Benchmark
    public int replyToOneQuery() {
        ByteBuf reply = responder.respond(query, sender, allocator);
        int opcode = reply.getByte(0);
        reply.release();
        return opcode;
    }
}
