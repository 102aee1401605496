package io.tekton.penia.bench.load;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One HTTP/1.1 keep-alive client per load worker. Two kinds: the JDK's
 * {@link HttpClient} (the default, as a Java component of Tekton would call Penia), and a
 * minimal blocking-socket client that costs the shared CPU far less, as a cross-check that
 * the ratios are not the client's own limits.
 */
public interface Client extends AutoCloseable {
    /** A response: status and body bytes (decoded only when asked: the load loop rarely needs the text). */
    record Response(int status, byte[] raw) {
        public String body() {
            return new String(raw, StandardCharsets.UTF_8);
        }
    }

    Response send(String method, String path, byte[] body) throws IOException;

    @Override
    void close();

    static Client create(String kind, HttpClient shared, String host, int port) {
        return switch (kind) {
            case "jdk" -> new Jdk(shared, "http://" + host + ":" + port);
            case "raw" -> new Raw(host, port);
            default -> throw new IllegalArgumentException("--client must be jdk or raw, got " + kind);
        };
    }

    /** The shared JDK client: HTTP/1.1, its own connection pool (one connection per busy worker). */
    static HttpClient jdkClient() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** {@link HttpClient}, called from a virtual thread. */
    final class Jdk implements Client {
        private final HttpClient http;
        private final String base;

        Jdk(HttpClient http, String base) {
            this.http = http;
            this.base = base;
        }

        @Override
        public Response send(String method, String path, byte[] body) throws IOException {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
            if (body == null) {
                b.method(method, HttpRequest.BodyPublishers.noBody());
            } else {
                b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofByteArray(body));
            }
            try {
                HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
                return new Response(r.statusCode(), r.body().getBytes(StandardCharsets.UTF_8));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }

        @Override
        public void close() {
            // the shared client is closed by the run
        }
    }

    /** A blocking socket speaking just enough HTTP/1.1: Content-Length and chunked bodies. */
    final class Raw implements Client {
        private final String host;
        private final int port;
        private final byte[] hostHeader;
        private Socket socket;
        private InputStream in;
        private OutputStream out;

        Raw(String host, int port) {
            this.host = host;
            this.port = port;
            this.hostHeader = ("Host: " + host + ":" + port + "\r\n").getBytes(StandardCharsets.US_ASCII);
        }

        @Override
        public Response send(String method, String path, byte[] body) throws IOException {
            if (socket == null) {
                socket = new Socket();
                socket.setTcpNoDelay(true);
                socket.connect(new InetSocketAddress(host, port), 5000);
                socket.setSoTimeout(30_000);
                in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
                out = socket.getOutputStream();
            }
            try {
                StringBuilder h = new StringBuilder(128).append(method).append(' ').append(path).append(" HTTP/1.1\r\n");
                byte[] head = h.toString().getBytes(StandardCharsets.US_ASCII);
                String tail = body == null ? "\r\n" : "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n";
                byte[] t = tail.getBytes(StandardCharsets.US_ASCII);
                byte[] req = new byte[head.length + hostHeader.length + t.length + (body == null ? 0 : body.length)];
                System.arraycopy(head, 0, req, 0, head.length);
                System.arraycopy(hostHeader, 0, req, head.length, hostHeader.length);
                System.arraycopy(t, 0, req, head.length + hostHeader.length, t.length);
                if (body != null) {
                    System.arraycopy(body, 0, req, head.length + hostHeader.length + t.length, body.length);
                }
                out.write(req);
                out.flush();
                return read();
            } catch (IOException e) {
                close();
                throw e;
            }
        }

        private Response read() throws IOException {
            String status = line();
            int code = Integer.parseInt(status.substring(9, 12));
            long length = -1;
            boolean chunked = false;
            boolean closeAfter = false;
            for (String l = line(); !l.isEmpty(); l = line()) {
                int colon = l.indexOf(':');
                String name = l.substring(0, colon).trim();
                String value = l.substring(colon + 1).trim();
                if (name.equalsIgnoreCase("content-length")) {
                    length = Long.parseLong(value);
                } else if (name.equalsIgnoreCase("transfer-encoding") && value.equalsIgnoreCase("chunked")) {
                    chunked = true;
                } else if (name.equalsIgnoreCase("connection") && value.equalsIgnoreCase("close")) {
                    closeAfter = true;
                }
            }
            byte[] body;
            if (chunked) {
                java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
                for (int n = Integer.parseInt(line().split(";")[0].trim(), 16); n > 0;
                     n = Integer.parseInt(line().split(";")[0].trim(), 16)) {
                    buf.write(in.readNBytes(n));
                    line();
                }
                line();
                body = buf.toByteArray();
            } else {
                body = length < 0 ? new byte[0] : in.readNBytes((int) length);
            }
            if (closeAfter) {
                close();
            }
            return new Response(code, body);
        }

        private String line() throws IOException {
            StringBuilder b = new StringBuilder(64);
            int c;
            while ((c = in.read()) != -1) {
                if (c == '\n') {
                    int n = b.length();
                    return n > 0 && b.charAt(n - 1) == '\r' ? b.substring(0, n - 1) : b.toString();
                }
                b.append((char) c);
            }
            throw new IOException("connection closed by the server");
        }

        @Override
        public void close() {
            if (socket != null) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // closing
                }
                socket = null;
            }
        }
    }
}
