package dev.skbscope.server;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, byte for byte as written: headers the JDK client refuses to set
 * ({@code Host}), methods it won't send ({@code CONNECT}), lying {@code Content-Length}s and
 * malformed request lines. One request per connection. Used from one test thread.
 */
final class RawHttp {
    record Response(int status, Map<String, String> headers, byte[] body, long millis) {
        String text() { return new String(body, StandardCharsets.UTF_8); }

        JsonNode json() {
            try {
                return ServerJson.MAPPER.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (status " + status + "): " + text(), e);
            }
        }

        String header(String name) { return headers.get(name.toLowerCase(Locale.ROOT)); }
    }

    private RawHttp() { }

    /** Sends {@code head} (request line and headers, CRLF-separated, without the blank line) and {@code body}. */
    static Response send(int port, String head, byte[] body, int timeoutMillis) throws IOException {
        long t0 = System.nanoTime();
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(timeoutMillis);
            OutputStream out = s.getOutputStream();
            out.write((head + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            if (body != null) out.write(body);
            out.flush();
            return read(s.getInputStream(), t0);
        }
    }

    static Response request(int port, String method, String path, String host, Map<String, String> headers, String body)
            throws IOException {
        StringBuilder h = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\n");
        if (host != null) h.append("Host: ").append(host).append("\r\n");
        if (headers != null) headers.forEach((k, v) -> h.append(k).append(": ").append(v).append("\r\n"));
        byte[] b = body == null ? null : body.getBytes(StandardCharsets.UTF_8);
        if (b != null && (headers == null || !headers.containsKey("Content-Length")))
            h.append("Content-Length: ").append(b.length).append("\r\n");
        h.append("Connection: close");
        return send(port, h.toString(), b, 15_000);
    }

    private static Response read(InputStream in, long t0) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        int headEnd = -1;
        try {
            int n;
            while ((n = in.read(buf)) > 0) {
                all.write(buf, 0, n);
                byte[] a = all.toByteArray();
                if (headEnd < 0) headEnd = indexOf(a, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                if (headEnd >= 0) {
                    Map<String, String> hs = headers(new String(a, 0, headEnd, StandardCharsets.ISO_8859_1));
                    String cl = hs.get("content-length");
                    if (cl != null && a.length - headEnd - 4 >= Long.parseLong(cl.strip())) break;
                    if (hs.getOrDefault("__status", "").startsWith("101")) break;
                }
            }
        } catch (SocketTimeoutException e) {
            if (headEnd < 0) throw e;
        }
        byte[] a = all.toByteArray();
        if (headEnd < 0) throw new IOException("no HTTP response; got " + a.length + " bytes");
        Map<String, String> hs = headers(new String(a, 0, headEnd, StandardCharsets.ISO_8859_1));
        String statusLine = hs.remove("__status");
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        byte[] body = java.util.Arrays.copyOfRange(a, headEnd + 4, a.length);
        return new Response(status, hs, body, (System.nanoTime() - t0) / 1_000_000);
    }

    private static Map<String, String> headers(String head) {
        Map<String, String> m = new LinkedHashMap<>();
        String[] lines = head.split("\r\n");
        m.put("__status", lines[0]);
        for (int i = 1; i < lines.length; i++) {
            int c = lines[i].indexOf(':');
            if (c > 0) m.merge(lines[i].substring(0, c).strip().toLowerCase(Locale.ROOT), lines[i].substring(c + 1).strip(), (x, y) -> x + ", " + y);
        }
        return m;
    }

    private static int indexOf(byte[] a, byte[] pat) {
        outer:
        for (int i = 0; i + pat.length <= a.length; i++) {
            for (int j = 0; j < pat.length; j++) if (a[i + j] != pat[j]) continue outer;
            return i;
        }
        return -1;
    }
}
