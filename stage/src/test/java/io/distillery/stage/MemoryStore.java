package io.distillery.stage;

import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/** A stage store in memory, for tests: files by path. */
class MemoryStore implements StageStore {
    final Map<String, byte[]> files = new ConcurrentSkipListMap<>();

    @Override
    public String uri() {
        return "memory:/stage";
    }

    @Override
    public boolean exists(String name) {
        return files.containsKey(name);
    }

    @Override
    public byte[] read(String name) throws IOException {
        byte[] b = files.get(name);
        if (b == null) {
            throw new FileNotFoundException(name);
        }
        return b;
    }

    @Override
    public void write(String name, IoConsumer<OutputStream> writer) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writer.accept(out);
        files.put(name, out.toByteArray());
    }

    @Override
    public List<String> list(String dir) {
        return files.keySet().stream()
                .filter(k -> k.startsWith(dir + "/"))
                .map(k -> k.substring(dir.length() + 1))
                .sorted()
                .toList();
    }

    @Override
    public void delete(String name) {
        files.remove(name);
    }
}
