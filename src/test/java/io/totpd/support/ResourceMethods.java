package io.totpd.support;

import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Path;
import java.io.IOException;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Every JAX-RS resource method compiled into the service, read from {@code target/classes}. */
public final class ResourceMethods {

    /** A resource method and its route, e.g. {@code POST /verify}. */
    public record Route(Class<?> resource, Method method, String httpMethod, String path) {

        @Override
        public String toString() {
            return httpMethod + " " + path;
        }
    }

    private ResourceMethods() {
    }

    public static List<Route> all() throws IOException, ClassNotFoundException {
        java.nio.file.Path classes = java.nio.file.Path.of("target", "classes");
        List<Route> routes = new ArrayList<>();
        try (Stream<java.nio.file.Path> files = Files.walk(classes)) {
            for (java.nio.file.Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                String name = classes.relativize(file).toString().replace('/', '.').replaceAll("\\.class$", "");
                Class<?> type = Class.forName(name, false, ResourceMethods.class.getClassLoader());
                Path root = type.getAnnotation(Path.class);
                if (root == null) {
                    continue;
                }
                for (Method method : type.getDeclaredMethods()) {
                    for (Annotation annotation : method.getAnnotations()) {
                        HttpMethod http = annotation.annotationType().getAnnotation(HttpMethod.class);
                        if (http != null) {
                            Path sub = method.getAnnotation(Path.class);
                            String path = ("/" + root.value() + "/" + (sub == null ? "" : sub.value())).replaceAll("/+", "/");
                            routes.add(new Route(type, method, http.value(), path.length() > 1 ? path.replaceAll("/$", "") : path));
                        }
                    }
                }
            }
        }
        return routes;
    }
}
