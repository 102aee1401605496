package io.tekton.penia.server;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One process owns a database file: an OS lock on the sidecar file {@code <db>.lock}, taken
 * before the database is opened and held until it is closed. The sidecar says who owns it
 * (pid, command, and the URL once a server listens), so that a second {@code serve} can name
 * the owner and {@code mcp-stdio} can forward to it. The OS drops the lock when its process
 * dies, so a crash leaves nothing to clean up; the file itself stays (deleting it would let
 * two processes lock two different files of one name).
 *
 * <p>The lock is taken on one byte far beyond the text, so that the text stays readable
 * where locks are mandatory. Within one JVM the owners are also kept in a table: on POSIX,
 * closing any channel of a file drops every lock this process holds on it, so a file this JVM
 * owns is never opened again here.
 */
final class DbOwner implements AutoCloseable {
    private static final long LOCK_AT = 1L << 20;
    private static final Map<Path, Owner> HELD = new ConcurrentHashMap<>();

    /** Who owns a database file: pid, command ({@code serve} or {@code mcp-stdio}), URL once listening. */
    record Owner(long pid, String command, String url) {
        String describe() {
            return "pid " + pid + (command == null ? "" : ", penia " + command) + (url == null ? "" : ", " + url);
        }
    }

    /** The database file is owned by another process (or another server of this one). */
    static final class InUseException extends IllegalStateException {
        private final transient Owner owner;
        private final Path file;

        InUseException(Path file, Owner owner) {
            super("database " + file + " is in use by another Penia process (" + owner.describe()
                    + "); stop it, or point PENIA_DB at another file");
            this.owner = owner;
            this.file = file;
        }

        Owner owner() {
            return owner;
        }

        Path file() {
            return file;
        }
    }

    private final Path lockFile;
    private final FileChannel channel;
    private final FileLock lock;
    private final String command;

    private DbOwner(Path lockFile, FileChannel channel, FileLock lock, String command) {
        this.lockFile = lockFile;
        this.channel = channel;
        this.lock = lock;
        this.command = command;
    }

    /** Takes the lock of {@code db} for this process, or throws {@link InUseException} naming the owner. */
    static DbOwner acquire(Path db, String command) {
        Path lockFile = lockFile(db);
        Owner mine = new Owner(ProcessHandle.current().pid(), command, null);
        Owner here = HELD.putIfAbsent(lockFile, mine);
        if (here != null) {
            throw new InUseException(db, here);
        }
        FileChannel ch = null;
        try {
            ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = ch.tryLock(LOCK_AT, 1, false);
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                Owner other = read(ch).orElse(new Owner(0, null, null));
                ch.close();
                HELD.remove(lockFile);
                throw new InUseException(db, other);
            }
            DbOwner o = new DbOwner(lockFile, ch, lock, command);
            o.write(mine);
            return o;
        } catch (IOException e) {
            HELD.remove(lockFile);
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // already failing
                }
            }
            throw new UncheckedIOException("cannot lock " + lockFile + ": " + e.getMessage(), e);
        }
    }

    /** No lock at all: for a database that is no file (PostgreSQL); publishing and closing do nothing. */
    static DbOwner none() {
        return new DbOwner(null, null, null, null);
    }

    /** The sidecar lock file of a database file. */
    static Path lockFile(Path db) {
        Path abs = db.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        try {
            if (parent != null) {
                Files.createDirectories(parent);
                parent = parent.toRealPath();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create directory for database " + db + ": " + e.getMessage(), e);
        }
        String name = abs.getFileName() + ".lock";
        return parent == null ? Path.of(name) : parent.resolve(name);
    }

    /** Says where this process serves the database (its MCP and REST base URL). */
    void publish(String url) {
        if (lockFile == null) {
            return;
        }
        HELD.put(lockFile, new Owner(ProcessHandle.current().pid(), command, url));
        try {
            write(HELD.get(lockFile));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + lockFile + ": " + e.getMessage(), e);
        }
    }

    private synchronized void write(Owner o) throws IOException {
        Properties p = new Properties();
        p.setProperty("pid", Long.toString(o.pid()));
        if (o.command() != null) {
            p.setProperty("command", o.command());
        }
        if (o.url() != null) {
            p.setProperty("url", o.url());
        }
        StringWriter w = new StringWriter();
        p.store(w, "Penia: the process that owns this database (valid only while it holds the lock)");
        channel.truncate(0);
        channel.write(ByteBuffer.wrap(w.toString().getBytes(StandardCharsets.UTF_8)), 0);
        channel.force(false);
    }

    private static Optional<Owner> read(FileChannel ch) throws IOException {
        long size = Math.min(ch.size(), 64 * 1024);
        ByteBuffer buf = ByteBuffer.allocate((int) size);
        while (buf.hasRemaining() && ch.read(buf, buf.position()) > 0) {
            // read on
        }
        Properties p = new Properties();
        p.load(new StringReader(new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8)));
        String pid = p.getProperty("pid");
        if (pid == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Owner(Long.parseLong(pid.strip()), p.getProperty("command"), p.getProperty("url")));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Empties the sidecar and gives the lock up. */
    @Override
    public void close() {
        if (lockFile == null) {
            return;
        }
        try {
            channel.truncate(0);
            lock.release();
            channel.close();
        } catch (IOException ignored) {
            // the OS releases the lock with the channel or the process anyway
        } finally {
            HELD.remove(lockFile);
        }
    }
}
