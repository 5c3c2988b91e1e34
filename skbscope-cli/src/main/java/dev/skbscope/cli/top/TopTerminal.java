package dev.skbscope.cli.top;

import dev.skbscope.cli.top.FeedState.SessionInfo;
import org.jline.keymap.BindingReader;
import org.jline.keymap.KeyMap;
import org.jline.terminal.Attributes;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.utils.AttributedString;
import org.jline.utils.Display;
import org.jline.utils.InfoCmp.Capability;

import java.io.IOError;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The full-screen {@code top}: JLine 3 puts the terminal in raw mode on the alternate screen, its
 * {@link Display} redraws only what changed, {@code SIGWINCH} redraws at the new size, and a key
 * thread turns key presses into {@link Key}s. Everything else runs on the caller's thread (the
 * render loop), which owns the {@link TopScreen}; the feed and key threads only post events.
 */
final class TopTerminal {
    enum Key { QUIT, SORT, FREEZE, HELP, ESCAPE, NEXT, PREVIOUS, PANELS, UP, DOWN, PAGE_UP, PAGE_DOWN, HOME, END,
        PICK1, PICK2, PICK3, PICK4, PICK5, PICK6, PICK7, PICK8, PICK9, NONE }

    private static final Object DATA = new Object(), RESIZE = new Object();

    private TopTerminal() { }

    /** Runs until the user quits; returns the exit code (0). */
    static int run(Terminal terminal, StatsFeed feed, TopScreen screen) {
        BlockingQueue<Object> events = new LinkedBlockingQueue<>();
        Attributes saved = terminal.enterRawMode();
        terminal.puts(Capability.enter_ca_mode);
        terminal.puts(Capability.keypad_xmit);
        terminal.puts(Capability.cursor_invisible);
        terminal.flush();
        terminal.handle(Terminal.Signal.WINCH, s -> events.offer(RESIZE));
        terminal.handle(Terminal.Signal.INT, s -> events.offer(Key.QUIT));
        Display display = new Display(terminal, true);
        Size size = terminal.getSize();
        display.resize(size.getRows(), size.getColumns());
        KeyMap<Key> keys = keys(terminal);
        Thread reader = Thread.ofPlatform().name("top-keys").daemon(true).start(() -> {
            BindingReader br = new BindingReader(terminal.reader());
            try {
                while (true) {
                    Key k = br.readBinding(keys);
                    if (k == null) {
                        events.offer(Key.QUIT);   // end of input: the terminal went away
                        return;
                    }
                    events.offer(k);
                }
            } catch (IOError | RuntimeException e) {
                events.offer(Key.QUIT);
            }
        });
        feed.start(() -> events.offer(DATA));
        try {
            long nextTick = System.nanoTime() + 1_000_000_000L;
            draw(display, terminal, screen, feed, size);
            while (true) {
                long wait = nextTick - System.nanoTime();
                Object e = wait > 0 ? events.poll(wait, TimeUnit.NANOSECONDS) : null;
                if (e == null) {
                    nextTick += 1_000_000_000L;
                    if (nextTick < System.nanoTime()) nextTick = System.nanoTime() + 1_000_000_000L;
                    feed.tick();   // local feeds publish; then a DATA event redraws
                    draw(display, terminal, screen, feed, size);
                    continue;
                }
                if (e == Key.QUIT) return 0;
                if (e == RESIZE) {
                    size = terminal.getSize();
                    display.clear();
                    display.resize(size.getRows(), size.getColumns());
                } else if (e instanceof Key k) {
                    key(k, screen, feed);
                }
                events.removeIf(x -> x == DATA && e == DATA);   // several updates queued: draw once
                draw(display, terminal, screen, feed, size);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        } finally {
            reader.interrupt();
            terminal.puts(Capability.keypad_local);
            terminal.puts(Capability.cursor_visible);
            terminal.puts(Capability.exit_ca_mode);
            terminal.flush();
            terminal.setAttributes(saved);
            try {
                terminal.close();
            } catch (IOException ignored) {
                // the terminal is gone already
            }
        }
    }

    private static void draw(Display display, Terminal terminal, TopScreen screen, StatsFeed feed, Size size) {
        int rows = size.getRows() > 0 ? size.getRows() : 24, cols = size.getColumns() > 0 ? size.getColumns() : 80;
        List<AttributedString> lines = screen.render(feed.state(), cols, rows);
        display.update(lines, size.cursorPos(Math.min(rows, lines.size()) - 1, 0));
        terminal.flush();
    }

    private static void key(Key k, TopScreen screen, StatsFeed feed) {
        switch (k) {
            case SORT -> { screen.sort = screen.sort.next(); screen.scroll = 0; }
            case FREEZE -> screen.toggleFreeze(feed.state());
            case HELP -> screen.help = !screen.help;
            case ESCAPE -> screen.help = false;
            case PANELS -> screen.panelsOnly = !screen.panelsOnly;
            case UP -> screen.scroll = Math.max(0, screen.scroll - 1);
            case DOWN -> screen.scroll++;
            case PAGE_UP -> screen.scroll = Math.max(0, screen.scroll - 10);
            case PAGE_DOWN -> screen.scroll += 10;
            case HOME -> screen.scroll = 0;
            case END -> screen.scroll = Integer.MAX_VALUE / 2;
            case NEXT, PREVIOUS -> switchSession(feed, screen, k == Key.NEXT ? 1 : -1);
            case NONE, QUIT -> { }
            default -> {
                int n = k.ordinal() - Key.PICK1.ordinal();
                List<SessionInfo> all = feed.state().sessions();
                if (n >= 0 && n < all.size()) select(feed, screen, all.get(n).id());
            }
        }
    }

    private static void switchSession(StatsFeed feed, TopScreen screen, int step) {
        FeedState s = feed.state();
        List<SessionInfo> all = s.sessions();
        if (all.isEmpty()) return;
        int i = s.currentInfo() == null ? -1 : all.indexOf(s.currentInfo());
        int next = Math.floorMod((i < 0 ? 0 : i) + step, all.size());
        select(feed, screen, all.get(next).id());
    }

    private static void select(StatsFeed feed, TopScreen screen, String id) {
        if (screen.frozen()) screen.toggleFreeze(null);
        screen.scroll = 0;
        feed.select(id);
    }

    private static KeyMap<Key> keys(Terminal t) {
        KeyMap<Key> k = new KeyMap<>();
        k.setNomatch(Key.NONE);
        k.setAmbiguousTimeout(150);
        k.bind(Key.QUIT, "q", "Q", KeyMap.ctrl('C'), KeyMap.ctrl('D'));
        k.bind(Key.SORT, "s", "S");
        k.bind(Key.FREEZE, "f", "F", " ");
        k.bind(Key.HELP, "?", "h", "H");
        k.bind(Key.ESCAPE, KeyMap.esc());
        k.bind(Key.NEXT, "\t", "n");
        k.bind(Key.PREVIOUS, "N", "\033[Z");
        k.bind(Key.PANELS, "p", "P");
        bindKey(k, t, Key.UP, Capability.key_up, "\033[A", "\033OA", "k");
        bindKey(k, t, Key.DOWN, Capability.key_down, "\033[B", "\033OB", "j");
        bindKey(k, t, Key.PAGE_UP, Capability.key_ppage, "\033[5~");
        bindKey(k, t, Key.PAGE_DOWN, Capability.key_npage, "\033[6~");
        bindKey(k, t, Key.HOME, Capability.key_home, "\033[H", "\033OH", "\033[1~", "g");
        bindKey(k, t, Key.END, Capability.key_end, "\033[F", "\033OF", "\033[4~", "G");
        for (int i = 1; i <= 9; i++) k.bind(Key.values()[Key.PICK1.ordinal() + i - 1], Integer.toString(i));
        return k;
    }

    private static void bindKey(KeyMap<Key> k, Terminal t, Key key, Capability cap, String... fallbacks) {
        String seq = KeyMap.key(t, cap);
        if (seq != null && !seq.isEmpty()) k.bind(key, seq);
        for (String f : fallbacks) k.bindIfNotBound(key, f);
    }
}
