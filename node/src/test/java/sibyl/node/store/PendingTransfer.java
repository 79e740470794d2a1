package sibyl.node.store;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;

/**
 * A range of a body written to a channel and not yet flushed: a transfer in progress, holding
 * its own references, that {@link #complete()} sends and reads back.
 */
public final class PendingTransfer {
    private final EmbeddedChannel channel = new EmbeddedChannel(new ChannelDuplexHandler());

    private PendingTransfer(StoredBody body, long offset, long length) {
        body.writeRange(channel.pipeline().firstContext(), offset, length);
    }

    public static PendingTransfer of(StoredBody body, long offset, long length) {
        return new PendingTransfer(body, offset, length);
    }

    /** Flushes the range and returns the bytes that went out; every reference it held is released. */
    public byte[] complete() {
        channel.flushOutbound();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ByteBuf written;
        while ((written = channel.readOutbound()) != null) {
            byte[] chunk = new byte[written.readableBytes()];
            written.readBytes(chunk);
            bytes.writeBytes(chunk);
            written.release();
        }
        channel.finishAndReleaseAll();
        return bytes.toByteArray();
    }
}
