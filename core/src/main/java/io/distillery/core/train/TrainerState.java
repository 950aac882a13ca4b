package io.distillery.core.train;

import io.distillery.core.model.Weights;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;

/**
 * Everything needed to resume training exactly: the step counter, the model's weights and the
 * optimizer's slots (Adam moments, momentum accumulators). This is what a checkpoint holds.
 */
public record TrainerState(long step, Weights model, Weights optimizer) implements Serializable {
  private static final int MAGIC = 0x44535443; // "DSTC"

  public TrainerState {
    if (step < 0) {
      throw new IllegalArgumentException("step must be >= 0, found " + step);
    }
  }

  public void write(OutputStream out) throws IOException {
    DataOutputStream data = new DataOutputStream(out);
    data.writeInt(MAGIC);
    data.writeLong(step);
    model.write(data);
    optimizer.write(data);
    data.flush();
  }

  public static TrainerState read(InputStream in) throws IOException {
    DataInputStream data = new DataInputStream(in);
    int magic = data.readInt();
    if (magic != MAGIC) {
      throw new IOException("not a Distillery checkpoint (bad magic 0x" + Integer.toHexString(magic) + ")");
    }
    long step = data.readLong();
    return new TrainerState(step, Weights.read(data), Weights.read(data));
  }
}
