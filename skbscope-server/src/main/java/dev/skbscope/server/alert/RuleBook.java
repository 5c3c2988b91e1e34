package dev.skbscope.server.alert;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skbscope.engine.alert.AlertRule;
import dev.skbscope.engine.alert.DefaultRules;
import dev.skbscope.server.ApiException;
import dev.skbscope.server.ServerJson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The alert rules: a global set (the defaults until changed) that applies to every session and the
 * realtime tracer, and per session its own rules, which add to the global ones or, under the same
 * name, replace one for that session (to change a threshold or disable a rule there). Kept in
 * {@code <data-dir>/alerts/rules.json} and {@code <data-dir>/sessions/<id>/alert-rules.json}, so a
 * session's rules go with its data. Thread-safe: changes are serialised, readers get immutable lists.
 */
public final class RuleBook {
    private static final Logger log = LoggerFactory.getLogger(RuleBook.class);
    public static final int MAX_RULES = 200;
    public static final String SESSION_FILE = "alert-rules.json";

    private final Path globalFile;
    private final Function<String, Path> sessionDir;
    private volatile List<AlertRule> global;
    private final Map<String, List<AlertRule>> sessions = new ConcurrentHashMap<>();
    /** Bumped on every change, so the evaluating thread knows to look again. */
    private volatile long version;

    /** A rule as a session sees it: where it comes from ("global" or "session") and the rule. */
    public record Effective(AlertRule rule, String origin) { }

    /**
     * @param globalFile  where the global rules are kept
     * @param sessionDir  a session's directory (its rules file lives there)
     * @param sessionIds  sessions whose rules files to load
     */
    public RuleBook(Path globalFile, Function<String, Path> sessionDir, Iterable<String> sessionIds) {
        this.globalFile = globalFile;
        this.sessionDir = sessionDir;
        this.global = load(globalFile, DefaultRules.ALL);
        for (String id : sessionIds) {
            List<AlertRule> own = load(sessionDir.apply(id).resolve(SESSION_FILE), List.of());
            if (!own.isEmpty()) sessions.put(id, own);
        }
    }

    private static List<AlertRule> load(Path file, List<AlertRule> otherwise) {
        if (!Files.isRegularFile(file)) return otherwise;
        try {
            return List.copyOf(RuleJson.parseSet(ServerJson.MAPPER.readTree(file.toFile())));
        } catch (IOException | ApiException e) {
            log.warn("[Alerts] {} is unreadable ({}); using {}", file, e.getMessage(), otherwise.isEmpty() ? "no rules" : "the defaults");
            return otherwise;
        }
    }

    public long version() { return version; }

    public List<AlertRule> global() { return global; }

    /** The session's own rules (empty if none). */
    public List<AlertRule> own(String session) { return sessions.getOrDefault(session, List.of()); }

    /** The rules evaluated for a session: global ones (replaced by the session's own of the same name), then its own others. */
    public List<AlertRule> effective(String session) {
        List<AlertRule> own = own(session);
        if (own.isEmpty()) return global;
        List<AlertRule> out = new ArrayList<>();
        Map<String, AlertRule> byName = new LinkedHashMap<>();
        for (AlertRule r : own) byName.put(r.name(), r);
        for (AlertRule g : global) {
            AlertRule o = byName.remove(g.name());
            out.add(o != null ? o : g);
        }
        out.addAll(byName.values());
        return List.copyOf(out);
    }

    /** {@link #effective} with each rule's origin. */
    public List<Effective> effectiveWithOrigin(String session) {
        List<Effective> out = new ArrayList<>();
        var ownNames = own(session).stream().map(AlertRule::name).toList();
        for (AlertRule r : effective(session)) out.add(new Effective(r, ownNames.contains(r.name()) ? "session" : "global"));
        return out;
    }

    public synchronized AlertRule globalRule(String name) { return find(global, name); }

    /** Adds a global rule; 409 if the name is taken. */
    public synchronized void addGlobal(AlertRule r) {
        if (find(global, r.name()) != null) throw ApiException.conflict("name: rule " + r.name() + " already exists (PUT /api/alerts/rules/" + r.name() + " changes it)");
        if (global.size() >= MAX_RULES) throw ApiException.conflict("rules: at most " + MAX_RULES + " rules");
        List<AlertRule> next = new ArrayList<>(global);
        next.add(r);
        setGlobal(next);
    }

    /** Replaces the global rule of the same name; 404 if there is none. */
    public synchronized void replaceGlobal(AlertRule r) {
        setGlobal(replaced(global, r, "global rule"));
    }

    public synchronized void removeGlobal(String name) {
        setGlobal(removed(global, name, "global rule"));
    }

    /** Replaces the whole global set. */
    public synchronized void setGlobal(List<AlertRule> rules) {
        save(globalFile, rules);
        global = List.copyOf(rules);
        version++;
    }

    /** Adds or replaces a session's own rule. */
    public synchronized void putOwn(String session, AlertRule r) {
        List<AlertRule> own = new ArrayList<>(own(session));
        int i = indexOf(own, r.name());
        if (i >= 0) own.set(i, r);
        else {
            if (own.size() >= MAX_RULES) throw ApiException.conflict("rules: at most " + MAX_RULES + " rules per session");
            own.add(r);
        }
        setOwn(session, own);
    }

    /** Removes a session's own rule (a global one of that name applies again); 404 if it has none. */
    public synchronized void removeOwn(String session, String name) {
        setOwn(session, removed(own(session), name, "rule of session " + session));
    }

    /** Forgets a purged session's rules (its file went with its directory). */
    public void forget(String session) {
        if (sessions.remove(session) != null) version++;
    }

    private void setOwn(String session, List<AlertRule> own) {
        save(sessionDir.apply(session).resolve(SESSION_FILE), own);
        if (own.isEmpty()) sessions.remove(session);
        else sessions.put(session, List.copyOf(own));
        version++;
    }

    private static AlertRule find(List<AlertRule> rules, String name) {
        int i = indexOf(rules, name);
        return i < 0 ? null : rules.get(i);
    }

    private static int indexOf(List<AlertRule> rules, String name) {
        for (int i = 0; i < rules.size(); i++) if (rules.get(i).name().equals(name)) return i;
        return -1;
    }

    private static List<AlertRule> replaced(List<AlertRule> rules, AlertRule r, String what) {
        int i = indexOf(rules, r.name());
        if (i < 0) throw ApiException.notFound("no " + what + " named " + r.name());
        List<AlertRule> next = new ArrayList<>(rules);
        next.set(i, r);
        return next;
    }

    private static List<AlertRule> removed(List<AlertRule> rules, String name, String what) {
        int i = indexOf(rules, name);
        if (i < 0) throw ApiException.notFound("no " + what + " named " + name);
        List<AlertRule> next = new ArrayList<>(rules);
        next.remove(i);
        return next;
    }

    private static void save(Path file, List<AlertRule> rules) {
        ObjectNode root = ServerJson.MAPPER.createObjectNode();
        ArrayNode a = root.putArray("rules");
        for (AlertRule r : rules) {
            ObjectNode n = RuleJson.write(r);
            n.remove("unit");
            n.remove("condition");
            a.add(n);
        }
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.write(tmp, ServerJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new ApiException(500, "rules: cannot save " + file.getFileName() + ": " + e.getMessage());
        }
    }

    /** The rules as {@code {"rules":[...]}} with origins when {@code session} is given. */
    public static ObjectNode json(List<AlertRule> rules, List<Effective> withOrigin) {
        ObjectNode out = ServerJson.MAPPER.createObjectNode();
        ArrayNode a = out.putArray("rules");
        if (withOrigin != null) {
            for (Effective e : withOrigin) a.add(RuleJson.write(e.rule()).put("origin", e.origin()));
        } else {
            for (AlertRule r : rules) a.add(RuleJson.write(r));
        }
        out.put("count", a.size());
        return out;
    }

}
