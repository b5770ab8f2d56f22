package dev.chainrule.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Reading YAML (and JSON, which SnakeYAML reads as YAML) into plain maps and lists, and walking them
 * with messages that name the path that was expected.
 */
final class Yamls {
    private Yamls() {
    }

    /** Every document of {@code file}, skipping empty ones. */
    static List<Map<String, Object>> documents(Path file) throws IOException {
        List<Map<String, Object>> documents = new ArrayList<>();
        for (Object document : yaml().loadAll(Files.readString(file))) {
            if (document != null) {
                documents.add(map(document, file.getFileName().toString()));
            }
        }
        return documents;
    }

    /** {@code text}, one document. */
    static Map<String, Object> document(String text, String source) {
        return map(yaml().load(text), source);
    }

    /** The value at {@code path} (keys separated by dots) under {@code node}; fails naming the path if it is missing. */
    static Object at(Map<String, Object> node, String path) {
        Object current = node;
        for (String key : path.split("\\.")) {
            if (!(current instanceof Map<?, ?> m) || !m.containsKey(key)) {
                throw new AssertionError("no '" + path + "' (missing '" + key + "') in " + node);
            }
            current = m.get(key);
        }
        return current;
    }

    /** The map at {@code path}. */
    static Map<String, Object> mapAt(Map<String, Object> node, String path) {
        return map(at(node, path), path);
    }

    /** The list of maps at {@code path}, or an empty list if there is none. */
    static List<Map<String, Object>> mapsAt(Map<String, Object> node, String path) {
        Object value;
        try {
            value = at(node, path);
        } catch (AssertionError missing) {
            return List.of();
        }
        if (!(value instanceof List<?> list)) {
            throw new AssertionError("'" + path + "' is not a list: " + value);
        }
        return list.stream().map(item -> map(item, path + "[]")).toList();
    }

    /** The string at {@code path} (numbers and booleans as written). */
    static String stringAt(Map<String, Object> node, String path) {
        return String.valueOf(at(node, path));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object value, String what) {
        if (!(value instanceof Map<?, ?>)) {
            throw new AssertionError(what + " is not a mapping: " + value);
        }
        return (Map<String, Object>) value;
    }

    private static Yaml yaml() {
        return new Yaml(new SafeConstructor(new LoaderOptions()));
    }
}
