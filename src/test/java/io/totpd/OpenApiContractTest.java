package io.totpd;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.quarkus.test.junit.QuarkusTest;
import io.totpd.support.Contract;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Path;
import java.io.IOException;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** openapi.yaml is the contract: the service serves exactly it, and it names exactly the routes the code has. */
@QuarkusTest
class OpenApiContractTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Test
    void theServedDocumentIsTheContract() throws IOException {
        JsonNode served = new ObjectMapper().readTree(given().queryParam("format", "json").get("/q/openapi")
                .then().statusCode(200).extract().asString());
        assertEquals(YAML.readTree(Contract.OPENAPI.toFile()), served);
    }

    @Test
    void theContractNamesExactlyTheRoutesTheServiceHas() throws Exception {
        Set<String> documented = new TreeSet<>();
        JsonNode paths = YAML.readTree(Contract.OPENAPI.toFile()).get("paths");
        for (Iterator<String> path = paths.fieldNames(); path.hasNext(); ) {
            String name = path.next();
            paths.get(name).fieldNames().forEachRemaining(method -> {
                if (Set.of("get", "put", "post", "delete", "patch").contains(method)) {
                    documented.add(method.toUpperCase(Locale.ROOT) + " " + name);
                }
            });
        }
        assertEquals(implementedRoutes(), documented);
    }

    /** Every JAX-RS resource method compiled into the service, as "METHOD /path". */
    private static Set<String> implementedRoutes() throws Exception {
        java.nio.file.Path classes = java.nio.file.Path.of("target", "classes");
        Set<String> routes = new TreeSet<>();
        try (Stream<java.nio.file.Path> files = Files.walk(classes)) {
            for (java.nio.file.Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                String name = classes.relativize(file).toString().replace('/', '.').replaceAll("\\.class$", "");
                Class<?> type = Class.forName(name, false, OpenApiContractTest.class.getClassLoader());
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
                            routes.add(http.value() + " " + (path.length() > 1 ? path.replaceAll("/$", "") : path));
                        }
                    }
                }
            }
        }
        return routes;
    }
}
