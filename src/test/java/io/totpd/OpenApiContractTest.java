package io.totpd;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.quarkus.test.junit.QuarkusTest;
import io.totpd.support.Contract;
import io.totpd.support.ResourceMethods;
import java.io.IOException;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
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
        Set<String> routes = new TreeSet<>();
        ResourceMethods.all().forEach(route -> routes.add(route.toString()));
        return routes;
    }
}
